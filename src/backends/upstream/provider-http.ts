/**
 * How a call to a provider went wrong, in the terms failover needs: `refused` never reached the provider
 * (nothing can have been accepted), `in_doubt` was sent but no answer came (it may have been accepted),
 * `http` is an answer with an error status.
 */
export type ProviderFailure = 'refused' | 'in_doubt' | 'http';

/** A failed call to a provider's API. */
export class ProviderHttpError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    readonly status: number | null = null,
    /** The provider's error name (Vidu's `reason`, the gateway's `error.code`). */
    readonly reason: string | null = null,
    /** From a Retry-After header, in ms. */
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderHttpError';
  }

  /** 5xx and 429: the provider is busy or broken, not the request. */
  get retryable(): boolean {
    return this.failure !== 'http' || this.status === 429 || (this.status ?? 0) >= 500;
  }
}

/** One JSON call to a provider. */
export interface ProviderRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** The render's signal: aborting it aborts the call with the signal's reason. */
  readonly signal: AbortSignal;
}

/** Reads an error body into a name and a message; each provider spells them its own way. */
export type ErrorReader = (body: unknown) => { reason: string | null; message: string | null };

/**
 * Sends one JSON request and answers the parsed body of a 2xx. Everything else is a {@link ProviderHttpError}
 * saying whether the provider can have acted on it; an abort of `signal` rethrows the signal's reason.
 */
export async function callProvider(request: ProviderRequest, readError: ErrorReader): Promise<unknown> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.any([request.signal, timeout]),
      redirect: 'error',
    });
  } catch (error) {
    throw networkFailure(error, request, timeout);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw networkFailure(error, request, timeout);
  }
  const body = parseJson(text);
  if (response.ok) {
    if (body === undefined) {
      throw new ProviderHttpError(
        'http',
        `${where(request)} answered ${response.status} with a body that is not JSON`,
        response.status,
      );
    }
    return body;
  }
  const { reason, message } = body === undefined ? { reason: null, message: null } : readError(body);
  throw new ProviderHttpError(
    'http',
    `${where(request)} answered ${response.status}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`,
    response.status,
    reason,
    parseRetryAfter(response.headers.get('retry-after'), Date.now()),
  );
}

function networkFailure(error: unknown, request: ProviderRequest, timeout: AbortSignal): unknown {
  if (request.signal.aborted) return request.signal.reason as unknown;
  const code = errorCode(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ProviderHttpError(
      'refused',
      `${where(request)}: connection refused (${code})`,
      null,
      null,
      null,
      {
        cause: error,
      },
    );
  }
  const what = timeout.aborted
    ? `no answer within ${request.timeoutMs} ms`
    : `connection lost (${code ?? 'unknown'})`;
  return new ProviderHttpError('in_doubt', `${where(request)}: ${what}`, null, null, null, { cause: error });
}

function errorCode(error: unknown): string | null {
  for (let at: unknown = error; at instanceof Error; at = at.cause) {
    const code = (at as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function where(request: ProviderRequest): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its day and month; Date.parse would also take "-5" as a year.
  const date = /^[A-Za-z]{3}, /.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A data URI of stored bytes: what providers get instead of the client's URL, which may have expired. */
export function dataUri(image: { bytes: Uint8Array; format: string }): string {
  return `data:image/${image.format};base64,${Buffer.from(image.bytes).toString('base64')}`;
}
