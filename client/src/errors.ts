import type { ErrorBody, TaskObject } from './types.js';

/** An error answer of the API (or a request that could not get one: `status` 0). */
export class InbetweenError extends Error {
  override readonly name: string = 'InbetweenError';
  /** HTTP status; 0 when no answer came (the client's own timeout). */
  readonly status: number;
  /** The catalogue code, such as `002014010`, `task_not_found` or `SYNC_TIMEOUT`. */
  readonly code: string;
  /** The parameter at fault, for input errors. */
  readonly param: string | undefined;
  /** The server's request id, to quote when reporting a problem. */
  readonly requestId: string | undefined;

  constructor(options: {
    status: number;
    code: string;
    message: string;
    param?: string | undefined;
    requestId?: string | undefined;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.param = options.param;
    this.requestId = options.requestId;
  }

  /** The error for a non-2xx answer, from its body when it has the API's error shape. */
  static fromResponse(status: number, body: unknown, requestId?: string): InbetweenError {
    if (isErrorBody(body)) {
      return new InbetweenError({
        status,
        code: body.error.code,
        message: body.error.error_message ?? body.error.message,
        param: body.error.param,
        requestId: body.request_id ?? requestId,
      });
    }
    return new InbetweenError({ status, code: `http_${status}`, message: `HTTP ${status}`, requestId });
  }
}

/** `sync()` ran out of time on the server (HTTP 504 SYNC_TIMEOUT); the task still runs and is attached. */
export class InbetweenSyncTimeoutError extends InbetweenError {
  override readonly name = 'InbetweenSyncTimeoutError';
  constructor(
    base: InbetweenError,
    /** The task as it was when the server gave up; keep waiting on `task.id`. */
    readonly task: TaskObject,
  ) {
    super({ status: base.status, code: base.code, message: base.message, requestId: base.requestId });
  }
}

/** `wait()` reached its deadline before the task reached a final status. */
export class InbetweenWaitTimeoutError extends Error {
  override readonly name = 'InbetweenWaitTimeoutError';
  readonly code = 'WAIT_TIMEOUT';
  constructor(
    /** The last task read, at the deadline. */
    readonly task: TaskObject,
    deadlineMs: number,
  ) {
    super(`Task ${task.id} still ${task.status} after ${deadlineMs} ms`);
  }
}

/** Why a webhook was rejected. */
export type WebhookFailure =
  | 'missing_header'
  | 'invalid_secret'
  | 'invalid_timestamp'
  | 'timestamp_out_of_tolerance'
  | 'invalid_signature'
  | 'invalid_body';

/** A webhook delivery that does not verify; answer it with a 4xx and do not trust its body. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message);
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body;
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    'message' in error &&
    typeof error.message === 'string'
  );
}
