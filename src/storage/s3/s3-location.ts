import { parseBlobKey } from '../blob-key.js';

/** Where an S3 {@link BlobStorage} keeps its objects: a bucket and a key prefix inside it (may be empty). */
export interface S3Location {
  bucket: string;
  /** `''` or a prefix ending in `/`, prepended to every blob key. */
  prefix: string;
}

// S3's bucket naming rules (3-63 characters of lowercase letters, digits, dots and hyphens), which also keep a
// bucket name safe in a virtual-hosted URL's host name.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads `s3://bucket/prefix` (the `STORAGE_URL` setting) into a bucket and a prefix. The prefix obeys the blob
 * key rules, so an object key is always `prefix + key` with nothing to escape. Throws an Error saying what is
 * wrong; the caller names the setting.
 */
export function parseS3Url(url: string): S3Location {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new Error(`Expected s3://bucket/prefix but received ${JSON.stringify(url)}`, { cause: error });
  }
  if (parsed.protocol !== 's3:') throw new Error(`Expected an s3:// URL but received ${parsed.protocol}//`);
  if (parsed.username || parsed.password || parsed.port || parsed.search || parsed.hash) {
    throw new Error('Expected s3://bucket/prefix without credentials, port, query or fragment');
  }
  const bucket = parsed.hostname;
  if (!BUCKET.test(bucket)) {
    throw new Error(
      `Expected an S3 bucket name (3-63 of a-z 0-9 . -) but received ${JSON.stringify(bucket)}`,
    );
  }
  const path = parsed.pathname.replace(/^\/+|\/+$/g, '');
  if (path === '') return { bucket, prefix: '' };
  try {
    parseBlobKey(path);
  } catch (error) {
    throw new Error(`Expected a plain key prefix in ${JSON.stringify(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { bucket, prefix: `${path}/` };
}
