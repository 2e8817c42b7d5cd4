import { ERROR_CATALOGUE, isErrorCode, type ErrorCode, type ErrorValues } from './error-catalogue.js';

/** What {@link apiError} needs beside the code; `values` is required exactly when the template has placeholders. */
export type ApiErrorOptions<C extends ErrorCode> = {
  /** The request parameter at fault (`duration`, `images[1]`); shown as `error.param` and fills `{param}`. */
  param?: string;
  /** The underlying error, kept for the logs, never shown to the caller. */
  cause?: unknown;
} & ([ErrorValues<C>] extends [never]
  ? { values?: undefined }
  : { values: Readonly<Record<ErrorValues<C>, string | number>> });

/** The `error` member of an error response or a task. */
export interface ErrorBody {
  code: string;
  message: string;
  /** The same text as `message`: the operator's SDK and the gateway's CLI read this member. */
  error_message: string;
  param?: string;
}

/** The JSON of every error response: HTTP status plus this. */
export interface ErrorResponseBody {
  error: ErrorBody;
  request_id: string;
}

/**
 * An error with a catalogue code: its HTTP status, a message safe to show, the parameter at fault and the
 * underlying cause. Build it with {@link apiError} so code, status and message always agree with the catalogue.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  /** The values the message was rendered from (e.g. `retry_after` for the Retry-After header). */
  readonly values: Readonly<Record<string, string | number>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { param?: string; cause?: unknown; values?: Readonly<Record<string, string | number>> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.param = options.param;
    this.values = options.values ?? {};
  }

  /** The `error` member of the response or the task. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, error_message: this.message };
    if (this.param !== undefined) body.param = this.param;
    return body;
  }
}

/**
 * Builds the catalogue error `code`, its message rendered from the template:
 * `apiError('002014010', { param: 'duration', values: { expected: 'an integer 1..8', received: '9' } })`
 * reads "Expected an integer 1..8 for duration but received 9".
 */
export function apiError<C extends ErrorCode>(
  code: C,
  ...[options]: [ErrorValues<C>] extends [never]
    ? [options?: ApiErrorOptions<C>]
    : [options: ApiErrorOptions<C>]
): ApiError {
  const values: Readonly<Record<string, string | number>> = { ...options?.values };
  const message = ERROR_CATALOGUE[code].template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === 'param') return options?.param ?? 'the request';
    return String(values[name] ?? `{${name}}`);
  });
  return new ApiError(code, message, { param: options?.param, cause: options?.cause, values });
}

/**
 * Any thrown value as an {@link ApiError}: an ApiError stays as it is; anything else becomes `internal_error`
 * with the original as `cause`, so its message (which may hold paths or SQL) reaches the logs, not the caller.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError && isErrorCode(error.code)) return error;
  return apiError('internal_error', { cause: error });
}

/** The response body for an error: `{ error: { code, message, error_message, param? }, request_id }`. */
export function errorResponseBody(error: ApiError, requestId: string): ErrorResponseBody {
  return { error: error.toBody(), request_id: requestId };
}
