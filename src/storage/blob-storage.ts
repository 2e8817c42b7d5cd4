import type { Readable } from 'node:stream';

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`; `end` absent reads to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** What {@link BlobStorage.open} answers. */
export interface OpenedBlob {
  /** The bytes of the whole blob, or of the requested range. */
  stream: Readable;
  /** The size of the whole blob in bytes, whatever the range (for `Content-Range: bytes a-b/size`). */
  size: number;
  /** From the key's extension: `video/mp4`, `image/jpeg`, `image/png`, `image/webp`, else `application/octet-stream`. */
  contentType: string;
  /** The range actually read, `end` clamped to the last byte; absent when the whole blob was asked for. */
  range: { start: number; end: number } | undefined;
}

/** What {@link BlobStorage.stat} answers for a stored blob. */
export interface BlobInfo {
  size: number;
  contentType: string;
  modifiedAt: Date;
}

/**
 * Where task inputs and outputs live: a local folder in the embedded mode, S3 when scaled out. Keys are relative
 * POSIX paths (`tasks/task_abc/video.mp4`) checked by `parseBlobKey`; a key that could escape the root is refused
 * with `InvalidBlobKeyError` before any I/O. Writes are atomic: a reader sees the old blob or the new one, never
 * half of either.
 */
export interface BlobStorage {
  /** Stores `data` under `key`, replacing what was there. */
  put(key: string, data: Uint8Array | Readable): Promise<{ bytes: number }>;
  /**
   * Moves the finished file at `path` (the renderer's MP4, written to a scratch folder) in under `key`; the
   * source is gone afterwards. A rename when it can be, a copy and delete across file systems.
   */
  putFile(key: string, path: string): Promise<{ bytes: number }>;
  /**
   * Opens `key` for reading, optionally one byte range. Throws `BlobNotFoundError` when nothing is stored there
   * and `RangeNotSatisfiableError` when `range.start` is past the last byte.
   */
  open(key: string, range?: ByteRange): Promise<OpenedBlob>;
  /** Size, type and time of `key`, or `undefined` when nothing is stored there. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Removes `key`; removing a missing key is not an error, so cleanup can be retried. */
  delete(key: string): Promise<void>;
  /** Removes every key (missing ones are skipped) and answers how many existed. */
  deleteMany(keys: Iterable<string>): Promise<{ deleted: number }>;
  /**
   * Every stored key that starts with `prefix` (a plain string prefix, as S3 means it; all keys without one),
   * with when it was last written, in lexicographic order of the keys. For sweeps that compare storage with the
   * task rows; a key written or removed while the listing runs may or may not appear.
   */
  list(prefix?: string): AsyncIterable<{ key: string; modifiedAt: Date }>;
  /** Releases what the storage holds; later calls fail. */
  close(): Promise<void>;
}
