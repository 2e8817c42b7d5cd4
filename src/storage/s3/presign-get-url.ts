import { createHash, createHmac } from 'node:crypto';

/** Static credentials as the AWS SDK resolves them (a session token with temporary ones). */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/** Options of {@link presignGetUrl}. */
export interface PresignGetUrlOptions {
  /** The object's URL without a query: `https://bucket.s3.eu-west-1.amazonaws.com/key` or path-style. */
  objectUrl: URL;
  region: string;
  credentials: SigningCredentials;
  /** When the URL is signed (its X-Amz-Date). */
  now: Date;
  /** Seconds it works, 1..604800 (S3 refuses longer). */
  expiresInSeconds: number;
}

/** S3 allows a presigned URL to live at most seven days. */
export const MAX_PRESIGN_SECONDS = 604_800;

/**
 * A Signature Version 4 query-string presigned GET for S3 (AWS's published algorithm, signing only the host
 * header, payload unsigned). Synchronous on purpose: task objects are built synchronously in many places, and
 * the SDK's presigner is async only because it may have to fetch credentials, which the storage does up front.
 */
export function presignGetUrl(options: PresignGetUrlOptions): string {
  const { objectUrl, region, credentials, now } = options;
  const expires = Math.floor(options.expiresInSeconds);
  if (!(expires >= 1 && expires <= MAX_PRESIGN_SECONDS)) {
    throw new RangeError(
      `Expected 1..${MAX_PRESIGN_SECONDS} seconds for a presigned URL but received ${expires}`,
    );
  }
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/s3/aws4_request`;
  const query: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expires)],
    ...(credentials.sessionToken
      ? [['X-Amz-Security-Token', credentials.sessionToken] as [string, string]]
      : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const canonicalQuery = query
    .map(([name, value]) => [encodeRfc3986(name), encodeRfc3986(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  // S3 signs the path as sent, each segment encoded once (unlike other services, no double encoding).
  const canonicalPath = objectUrl.pathname
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join('/');
  const canonicalRequest = [
    'GET',
    canonicalPath,
    canonicalQuery,
    `host:${objectUrl.host}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `${objectUrl.origin}${canonicalPath}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** encodeURIComponent leaves `!'()*` alone; SigV4 wants them encoded too. */
function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
