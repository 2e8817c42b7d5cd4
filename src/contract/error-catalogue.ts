/**
 * Every error the service answers, in one table: its code, HTTP status, message template and a line for the docs.
 * The README carries {@link errorCatalogueMarkdown}'s table and a test keeps the two in step.
 */

/** One row of the catalogue. */
export interface ErrorCatalogueEntry {
  /** HTTP status of the response that carries it; for task-only codes, the status if one ever reaches HTTP. */
  readonly status: number;
  /** `response`: answered by a request. `task`: only ever set on a task's `error` (the create call succeeded). */
  readonly where: 'response' | 'task';
  /**
   * The message, with `{name}` placeholders filled from {@link ApiErrorOptions.values} (and `{param}` from the
   * param). Written like sharp's: "Expected X for name but received Y", so every message says what to send.
   */
  readonly template: string;
  /** One line for the docs table. */
  readonly meaning: string;
  /**
   * How Vidu's own dialect (/ent/v2) answers it: Vidu's `reason` and the HTTP status Vidu documents for that
   * reason (https://platform.vidu.com/docs/error-code), so a client written for Vidu branches as it would there.
   */
  readonly vidu: { readonly reason: ViduReason; readonly status: number };
}

/** The `reason` values of Vidu's error table that inbetween answers. */
export type ViduReason =
  | 'BadRequest'
  | 'FieldLacking'
  | 'FieldItemCountOutOfRange'
  | 'FieldInvalid'
  | 'PageSizeOutOfRange'
  | 'ImageDownloadFailure'
  | 'ImageFormatInvalid'
  | 'CreditInsufficient'
  | 'OperationInProcess'
  | 'UserCancelled'
  | 'Unauthorized'
  | 'Forbidden'
  | 'TaskNotFound'
  | 'Conflict'
  | 'TooManyRequests'
  | 'SystemThrottling'
  | 'InternalServiceFailure';

/**
 * The catalogue. The numeric family keeps the hosted API's `002014001 Image is missing` and defines the rest
 * (DESIGN.md section 1); the string codes cover what the hosted API's table does not.
 */
export const ERROR_CATALOGUE = {
  '002014001': {
    status: 400,
    where: 'response',
    template: 'Expected 1 or 2 images for {param} but received {received}',
    meaning: 'Image is missing',
    vidu: { reason: 'FieldLacking', status: 400 },
  },
  '002014002': {
    status: 400,
    where: 'response',
    template: 'Expected at most 2 images for {param} but received {received}',
    meaning: 'Too many images (at most 2)',
    vidu: { reason: 'FieldItemCountOutOfRange', status: 400 },
  },
  '002014003': {
    status: 400,
    where: 'response',
    template: 'Expected a png, jpeg or webp image for {param} but received {received}',
    meaning: 'Unsupported image format (png, jpeg, jpg, webp)',
    vidu: { reason: 'ImageFormatInvalid', status: 400 },
  },
  '002014004': {
    status: 400,
    where: 'response',
    template: 'Expected an image of at most 50 MB for {param} but received {received}',
    meaning: 'Image larger than 50 MB',
    vidu: { reason: 'PageSizeOutOfRange', status: 400 },
  },
  '002014005': {
    status: 400,
    where: 'response',
    template: 'Could not download the image for {param}: {reason}',
    meaning: 'Image could not be downloaded (names the reason: timeout, HTTP status, blocked address)',
    vidu: { reason: 'ImageDownloadFailure', status: 400 },
  },
  '002014006': {
    status: 400,
    where: 'response',
    template: 'Could not decode the image for {param}: {reason}',
    meaning: 'Image could not be decoded (corrupt data, bad base64, data URI without content type)',
    vidu: { reason: 'ImageFormatInvalid', status: 400 },
  },
  '002014007': {
    status: 400,
    where: 'response',
    template: 'Expected an aspect ratio within 1:4..4:1 for {param} but received {received}',
    meaning: 'Image aspect ratio outside 1:4..4:1',
    vidu: { reason: 'PageSizeOutOfRange', status: 400 },
  },
  '002014008': {
    status: 400,
    where: 'response',
    template:
      "Expected the end frame's aspect ratio within 0.8..1.25 times the start frame's for {param} but received {received}",
    meaning: 'Start and end frame aspect ratios differ by more than 0.8..1.25',
    vidu: { reason: 'FieldInvalid', status: 400 },
  },
  '002014009': {
    status: 400,
    where: 'response',
    template: 'Expected at most 2000 characters for {param} but received {received}',
    meaning: 'Prompt longer than 2000 characters',
    vidu: { reason: 'FieldInvalid', status: 400 },
  },
  '002014010': {
    status: 400,
    where: 'response',
    template: 'Expected {expected} for {param} but received {received}',
    meaning:
      'Invalid parameter (names it: duration, resolution, movement_amplitude, wm_position, meta_data, payload, callback_url, ...)',
    vidu: { reason: 'FieldInvalid', status: 400 },
  },
  '002014011': {
    status: 402,
    where: 'response',
    template: 'Insufficient balance: the task costs {cost} USD and the balance is {balance} USD',
    meaning: 'Insufficient balance',
    vidu: { reason: 'CreditInsufficient', status: 400 },
  },
  '002014012': {
    status: 500,
    where: 'task',
    template: 'Video generation failed: {reason}',
    meaning: 'Video generation failed (on the task, not the create call)',
    vidu: { reason: 'InternalServiceFailure', status: 500 },
  },
  off_peak_expired: {
    status: 503,
    where: 'task',
    template: 'Not started within {hours} h in off-peak mode; failed and not charged',
    meaning: 'An off-peak task that found no idle time within 48 h (on the failed task, refunded)',
    vidu: { reason: 'SystemThrottling', status: 429 },
  },
  invalid_json: {
    status: 400,
    where: 'response',
    template: 'Expected a JSON object for the request body but received {received}',
    meaning: 'The body is not a JSON object',
    vidu: { reason: 'BadRequest', status: 400 },
  },
  unauthorized: {
    status: 401,
    where: 'response',
    template:
      'Expected a valid API key in the Authorization header (Bearer <key>; Token <key> on /ent/v2) but received {received}',
    meaning: 'API key missing, unknown or revoked',
    vidu: { reason: 'Unauthorized', status: 401 },
  },
  forbidden: {
    status: 403,
    where: 'response',
    template: 'This credential may not do this: {reason}',
    meaning: 'The credential is valid but not allowed here (for example an API key on /admin/v1)',
    vidu: { reason: 'Forbidden', status: 403 },
  },
  model_not_found: {
    status: 404,
    where: 'response',
    template: 'Expected one of {models} for {param} but received {received}',
    meaning: 'Unknown model (in the body or the X-Model header)',
    vidu: { reason: 'FieldInvalid', status: 400 },
  },
  task_not_found: {
    status: 404,
    where: 'response',
    template: 'No task {id}',
    meaning: "No such task, or another key's task",
    vidu: { reason: 'TaskNotFound', status: 404 },
  },
  key_not_found: {
    status: 404,
    where: 'response',
    template: 'No API key {id}',
    meaning: 'No such API key (admin API)',
    vidu: { reason: 'BadRequest', status: 404 },
  },
  file_not_found: {
    status: 404,
    where: 'response',
    template: 'No file at this link: {reason}',
    meaning: 'A download link that is unknown, badly signed or expired (they read the same)',
    vidu: { reason: 'BadRequest', status: 404 },
  },
  route_not_found: {
    status: 404,
    where: 'response',
    template: 'No endpoint {method} {path}',
    meaning: 'No such endpoint',
    vidu: { reason: 'BadRequest', status: 404 },
  },
  request_timeout: {
    status: 408,
    where: 'response',
    template: 'The request did not arrive in time: {reason}',
    meaning: 'Headers or body sent too slowly (the server cut the connection off)',
    vidu: { reason: 'BadRequest', status: 408 },
  },
  body_too_large: {
    status: 413,
    where: 'response',
    template: 'Expected a request body of at most {limit} but received {received}',
    meaning: 'Request body over 20 MB',
    vidu: { reason: 'BadRequest', status: 413 },
  },
  idempotency_conflict: {
    status: 409,
    where: 'response',
    template: 'Idempotency-Key {key} was already used with a different request body',
    meaning: 'Idempotency-Key reused with another body',
    vidu: { reason: 'Conflict', status: 409 },
  },
  rate_limited: {
    status: 429,
    where: 'response',
    template: 'Too many requests: {reason}; retry after {retry_after} s',
    meaning: 'Rate or concurrency limit reached (see Retry-After)',
    vidu: { reason: 'TooManyRequests', status: 429 },
  },
  task_not_cancellable: {
    status: 409,
    where: 'response',
    template: 'Task {id} is {status} and can no longer be cancelled',
    meaning: 'Only pending or processing tasks can be cancelled',
    vidu: { reason: 'BadRequest', status: 400 },
  },
  queue_full: {
    status: 503,
    where: 'response',
    template: 'The queue already holds {depth} tasks (at most {limit}); retry after {retry_after} s',
    meaning:
      'The service would not start this task for a long time; it refuses rather than queue it (see Retry-After)',
    vidu: { reason: 'SystemThrottling', status: 429 },
  },
  server_busy: {
    status: 503,
    where: 'response',
    template: 'The server cannot take this request now: {reason}; retry after {retry_after} s',
    meaning:
      'Too many create requests are being taken in at once, or the server is shutting down (see Retry-After)',
    vidu: { reason: 'SystemThrottling', status: 503 },
  },
  SYNC_TIMEOUT: {
    status: 504,
    where: 'response',
    template: 'Task {id} is still {status} after {seconds} s; poll GET /model/v1/generation/task/{id}',
    meaning: 'The sync endpoint gave up waiting; the task is still running and is returned',
    vidu: { reason: 'OperationInProcess', status: 400 },
  },
  internal_error: {
    status: 500,
    where: 'response',
    template: 'Internal error; the request id identifies it in the logs',
    meaning: 'Unexpected server error (logged with the request id)',
    vidu: { reason: 'InternalServiceFailure', status: 500 },
  },
} as const satisfies Record<string, ErrorCatalogueEntry>;

/** Every error code the service uses. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes in catalogue order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** The placeholder names a template string uses: `'a {x} b {y}'` gives `'x' | 'y'`. */
export type TemplatePlaceholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? Name | TemplatePlaceholders<Rest>
  : never;

/** The placeholders (other than `param`) that the message of `C` needs. */
export type ErrorValues<C extends ErrorCode> = Exclude<
  TemplatePlaceholders<(typeof ERROR_CATALOGUE)[C]['template']>,
  'param'
>;

/** Whether a string is a catalogue code (for errors that come back from the store or an upstream). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/**
 * The catalogue as a Markdown table (`code | HTTP | meaning | Vidu reason (HTTP)`), exactly what the README
 * carries between `<!-- errors:start -->` and `<!-- errors:end -->`. Task-only codes show `task` instead of a
 * status (on /ent/v2 their reason is the failed task's `err_code`).
 */
export function errorCatalogueMarkdown(): string {
  const rows = ERROR_CODES.map((code) => {
    const entry: ErrorCatalogueEntry = ERROR_CATALOGUE[code];
    const http = entry.where === 'task' ? 'task' : String(entry.status);
    const vidu =
      entry.where === 'task' ? `\`${entry.vidu.reason}\`` : `\`${entry.vidu.reason}\` (${entry.vidu.status})`;
    return [`\`${code}\``, http, entry.meaning.replaceAll('|', '\\|'), vidu];
  });
  return markdownTable(['code', 'HTTP', 'meaning', 'Vidu reason (HTTP)'], rows);
}

// Columns padded the way prettier pads them, so the README can hold the output verbatim through `npm run format`.
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n') + '\n';
}
