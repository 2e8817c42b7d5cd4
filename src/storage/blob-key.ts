import { InvalidBlobKeyError } from './blob-errors.js';

// A strict allow-list rather than a deny-list of bad patterns: keys also travel unescaped in signed URL paths,
// and every character outside this set is one more thing to get wrong (encodings, Unicode look-alikes, NUL).
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_KEY_LENGTH = 512;

/**
 * Checks that `key` is a relative POSIX path of plain segments (`tasks/task_abc/video.mp4`) and returns its
 * segments; throws {@link InvalidBlobKeyError} for `..`, `.`, absolute paths, backslashes, empty segments and
 * any character outside `A-Z a-z 0-9 . _ -`. Segments may not start with a dot, which also keeps keys apart
 * from the hidden temp files that atomic writes use.
 */
export function parseBlobKey(key: string): string[] {
  if (typeof key !== 'string' || key === '') throw new InvalidBlobKeyError(String(key), 'empty key');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidBlobKeyError(key, `over ${MAX_KEY_LENGTH} characters`);
  if (key.includes('\\')) throw new InvalidBlobKeyError(key, 'backslash');
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'absolute path');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw new InvalidBlobKeyError(key, 'empty segment');
    if (segment === '.' || segment === '..') throw new InvalidBlobKeyError(key, 'dot segment');
    if (!SEGMENT.test(segment)) throw new InvalidBlobKeyError(key, 'unsupported character');
  }
  return segments;
}

/** Whether {@link parseBlobKey} accepts `key`. */
export function isValidBlobKey(key: string): boolean {
  try {
    parseBlobKey(key);
    return true;
  } catch {
    return false;
  }
}
