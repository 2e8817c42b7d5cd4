/**
 * The error an aborted operation rejects with, shaped like Node's own (`name` 'AbortError', `code` 'ABORT_ERR')
 * so callers test `error.name === 'AbortError'` whatever raised it; the abort reason is kept as `cause`.
 */
export function abortError(reason?: unknown, message = 'The operation was aborted'): Error {
  const error = new Error(message, { cause: reason });
  error.name = 'AbortError';
  (error as Error & { code: string }).code = 'ABORT_ERR';
  return error;
}
