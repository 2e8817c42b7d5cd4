import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';

import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { BlobNotFoundError, RangeNotSatisfiableError } from '../blob-errors.js';
import { isValidBlobKey, parseBlobKey } from '../blob-key.js';
import type { BlobInfo, BlobStorage, ByteRange, OpenedBlob } from '../blob-storage.js';
import { contentTypeForKey } from '../content-type.js';
import { presignGetUrl, type SigningCredentials } from './presign-get-url.js';
import type { S3Location } from './s3-location.js';

/** Options of {@link openS3Storage}. */
export interface S3StorageOptions {
  location: S3Location;
  /** `S3_ENDPOINT`: a MinIO-like server; absent for AWS itself (the SDK's own endpoint resolution). */
  endpoint?: string | undefined;
  region: string;
  /** Bucket in the path rather than the host name; what most S3-compatible servers want. */
  forcePathStyle: boolean;
  /** Static credentials; absent: the SDK's default chain (AWS_ACCESS_KEY_ID..., profiles, instance roles). */
  credentials?: SigningCredentials | undefined;
  /** Parts of a multipart upload; 5 MiB is S3's minimum. */
  partSizeBytes?: number;
}

/** S3 storage with one thing a folder cannot do: URLs that download straight from the bucket. */
export interface S3BlobStorage extends BlobStorage {
  /** A presigned GET URL of `key` valid until `expiresAt` (at most seven days ahead). */
  presignedUrl(key: string, expiresAt: Date): string;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const HEAD_CONCURRENCY = 16;

/**
 * A {@link BlobStorage} on an S3 bucket (AWS or any S3-compatible server) under a key prefix. Streams go up as
 * multipart uploads (unknown length, bounded memory); S3's PUT is atomic, so readers never see half a blob. The
 * bucket is checked at open, so an unreachable or missing bucket stops the start instead of the first render.
 */
export async function openS3Storage(options: S3StorageOptions): Promise<S3BlobStorage> {
  const { bucket, prefix } = options.location;
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    // The SDK's integrity checks stay on: CRC32 on uploads, validated on downloads where the server sends one.
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_SUPPORTED',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const client = new S3Client(config);
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    client.destroy();
    throw new Error(`S3 bucket ${JSON.stringify(bucket)} is not reachable: ${describeS3Error(error)}`, {
      cause: error,
    });
  }
  const signer = await openSigner(client, options);
  const partSize = Math.max(options.partSizeBytes ?? DEFAULT_PART_SIZE, 5 * 1024 * 1024);
  let closed = false;

  function objectKey(key: string): string {
    if (closed) throw new Error('The blob storage is closed');
    parseBlobKey(key);
    return prefix + key;
  }

  async function upload(key: string, body: Readable): Promise<number> {
    let bytes = 0;
    const counted = new PassThrough();
    counted.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
    body.on('error', (error) => counted.destroy(error));
    body.pipe(counted);
    const params = { Bucket: bucket, Key: key, Body: counted, ContentType: contentTypeForKey(key) };
    await new Upload({ client, params, partSize, queueSize: 2 }).done();
    return bytes;
  }

  async function head(key: string): Promise<BlobInfo | undefined> {
    try {
      const found = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      return {
        size: found.ContentLength ?? 0,
        contentType: contentTypeForKey(key),
        modifiedAt: found.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  return {
    async put(key, data) {
      const target = objectKey(key);
      if (data instanceof Uint8Array) {
        const params = { Bucket: bucket, Key: target, Body: data, ContentType: contentTypeForKey(key) };
        await client.send(new PutObjectCommand(params));
        return { bytes: data.byteLength };
      }
      return { bytes: await upload(target, data) };
    },

    async putFile(key, path) {
      const target = objectKey(key);
      const { size } = await stat(path);
      await upload(target, createReadStream(path));
      await unlink(path);
      return { bytes: size };
    },

    async open(key, range) {
      const target = objectKey(key);
      if (range) checkRange(range);
      try {
        const got = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: target,
            ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
          }),
        );
        const stream = got.Body as Readable;
        const total = /\/(\d+)$/.exec(got.ContentRange ?? '');
        const size = total ? Number(total[1]) : (got.ContentLength ?? 0);
        const opened: OpenedBlob = {
          stream,
          size,
          contentType: contentTypeForKey(key),
          range: range ? { start: range.start, end: range.start + (got.ContentLength ?? 0) - 1 } : undefined,
        };
        return opened;
      } catch (error) {
        if (isNotFound(error)) throw new BlobNotFoundError(key, { cause: error });
        if (range && statusOf(error) === 416) {
          const info = await head(key);
          if (!info) throw new BlobNotFoundError(key, { cause: error });
          throw new RangeNotSatisfiableError(key, range, info.size);
        }
        throw error;
      }
    },

    stat: head,

    async delete(key) {
      // S3 answers a delete of a missing key with success, which is what the interface asks.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },

    async deleteMany(keys) {
      // Checked first, so one bad key deletes nothing rather than half the list.
      const all = [...new Set(keys)];
      all.forEach(objectKey);
      // DeleteObjects reports missing keys as deleted too, so the count comes from looking first.
      const existing = (await mapLimited(all, HEAD_CONCURRENCY, head))
        .map((info, i) => (info ? all[i] : null))
        .filter((key): key is string => key !== null);
      for (let i = 0; i < existing.length; i += 1000) {
        const batch = existing.slice(i, i + 1000).map((key) => ({ Key: prefix + key }));
        const result = await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
        );
        const failed = result.Errors ?? [];
        if (failed.length > 0) {
          throw new Error(
            `S3 refused to delete ${failed.length} objects: ${failed[0].Code} ${failed[0].Message}`,
          );
        }
      }
      return { deleted: existing.length };
    },

    async *list(keyPrefix = '') {
      if (closed) throw new Error('The blob storage is closed');
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix + keyPrefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const object of page.Contents ?? []) {
          const key = (object.Key ?? '').slice(prefix.length);
          // Objects someone else put under the prefix that are not blob keys are not ours to report.
          if (isValidBlobKey(key)) yield { key, modifiedAt: object.LastModified ?? new Date(0) };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    presignedUrl(key, expiresAt) {
      const target = objectKey(key);
      return signer.sign(target, expiresAt);
    },

    close() {
      closed = true;
      signer.stop();
      client.destroy();
      return Promise.resolve();
    },
  };
}

/** Re-reads temporary credentials this long before they expire, so a presigned URL never uses stale ones. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** Presigns with credentials resolved once at open and refreshed in the background while they are temporary. */
async function openSigner(
  client: S3Client,
  options: S3StorageOptions,
): Promise<{ sign(objectKey: string, expiresAt: Date): string; stop(): void }> {
  let credentials = await client.config.credentials();
  const timer = setInterval(() => {
    const expiration = credentials.expiration?.getTime();
    if (expiration === undefined || expiration - Date.now() > REFRESH_MARGIN_MS) return;
    client.config
      .credentials({ forceRefresh: true })
      .then((fresh) => (credentials = fresh))
      .catch(() => undefined); // the old ones are used until a refresh succeeds; uploads report their own errors
  }, 60_000);
  timer.unref();
  const base = objectBaseUrl(options);
  return {
    sign(objectKey, expiresAt) {
      const now = new Date();
      return presignGetUrl({
        objectUrl: new URL(base + objectKey),
        region: options.region,
        credentials,
        now,
        expiresInSeconds: Math.ceil((expiresAt.getTime() - now.getTime()) / 1000),
      });
    },
    stop: () => clearInterval(timer),
  };
}

/** Where an object's URL starts: path-style `<endpoint>/<bucket>/` or virtual-hosted `<bucket>.<host>/`. */
function objectBaseUrl(options: S3StorageOptions): string {
  const { bucket } = options.location;
  const endpoint = new URL(options.endpoint ?? `https://s3.${options.region}.amazonaws.com`);
  const path = endpoint.pathname.replace(/\/+$/, '');
  if (options.forcePathStyle) return `${endpoint.origin}${path}/${bucket}/`;
  return `${endpoint.protocol}//${bucket}.${endpoint.host}${path}/`;
}

function checkRange(range: ByteRange): void {
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new RangeError(`Expected a byte range with 0 <= start <= end but received ${start}-${end ?? ''}`);
  }
}

async function mapLimited<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await map(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  return (error.$metadata as { httpStatusCode?: number }).httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/** An SDK error in one line: its name, HTTP status and message (a bare 404 HeadBucket has no message). */
export function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = statusOf(error);
  const parts = [error.name, status ? `HTTP ${status}` : '', error.message].filter(
    (part, i, all) => part && all.indexOf(part) === i,
  );
  return parts.join(', ');
}
