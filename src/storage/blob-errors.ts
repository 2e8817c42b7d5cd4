/** No blob is stored under the key; the HTTP layer answers 404. */
export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  readonly code = 'BLOB_NOT_FOUND';
  readonly key: string;

  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`No blob is stored under ${JSON.stringify(key)}`, options);
    this.key = key;
  }
}

/** A key that could escape the storage root or is not a plain relative path; never reaches the file system. */
export class InvalidBlobKeyError extends Error {
  override readonly name = 'InvalidBlobKeyError';
  readonly code = 'INVALID_BLOB_KEY';
  readonly key: string;

  constructor(key: string, reason: string) {
    // The key may come from a URL, so it is shown cut short and quoted rather than echoed whole.
    super(`Expected a relative key like tasks/task_abc/video.mp4 (${reason}) but received ${shortKey(key)}`);
    this.key = key;
  }
}

/** A byte range that starts past the end of the blob; the HTTP layer answers 416 with the size. */
export class RangeNotSatisfiableError extends Error {
  override readonly name = 'RangeNotSatisfiableError';
  readonly code = 'RANGE_NOT_SATISFIABLE';
  readonly size: number;

  constructor(key: string, range: { start: number; end?: number }, size: number) {
    super(
      `Expected a byte range within 0..${size - 1} for ${JSON.stringify(key)} but received ` +
        `${range.start}-${range.end ?? ''}`,
    );
    this.size = size;
  }
}

function shortKey(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}...` : key);
}
