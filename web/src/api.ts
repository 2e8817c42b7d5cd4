/** A refused or failed call, in the API's terms: the HTTP status, the error code and the server's message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** How a failure reads on the page: the code first, as the server sends it, then its message. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiFailure) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

export interface CallOptions {
  /** The bearer credential: an API key or the admin token. */
  readonly token: string;
  readonly method?: 'GET' | 'POST';
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; param?: unknown };
  request_id?: unknown;
}

/** Calls the service on this page's origin; answers the JSON body or throws an {@link ApiFailure}. */
export async function callApi<T>(path: string, options: CallOptions): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
      cache: 'no-store',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiFailure(0, 'network_error', 'Could not reach the service; is it running?');
  }
  if (response.ok) return (await response.json()) as T;
  throw await failureOf(response);
}

/** The failure a non-2xx response stands for, whatever its body. */
export async function failureOf(response: Response): Promise<ApiFailure> {
  const text = await response.text();
  let body: ErrorBody = {};
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    // Not the API's error shape (a proxy's page, say); the status says enough.
  }
  const error = body.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
  const message =
    typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText}`.trim();
  return new ApiFailure(
    response.status,
    code,
    message,
    typeof error?.param === 'string' ? error.param : undefined,
    typeof body.request_id === 'string' ? body.request_id : undefined,
  );
}
