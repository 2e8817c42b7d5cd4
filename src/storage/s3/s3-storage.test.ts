import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../../../test/helpers/s3rver.js';
import { describeBlobStorage } from '../storage-contract-suite.js';
import { openS3Storage, type S3StorageOptions } from './s3-storage.js';

let s3: RunningS3rver;
beforeAll(async () => {
  s3 = await startS3rver(['inbetween-test']);
});
afterAll(async () => {
  await s3.close();
});

function options(prefix: string, bucket = 'inbetween-test'): S3StorageOptions {
  return {
    location: { bucket, prefix },
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  };
}

// Each test gets its own prefix in one bucket, which also proves that a prefix keeps deployments apart.
describeBlobStorage('S3 (s3rver)', () => openS3Storage(options(`t${randomBytes(6).toString('hex')}/`)));

describe('openS3Storage', () => {
  it('stops at open when the bucket is missing or the server is not there', async () => {
    await expect(openS3Storage(options('p/', 'no-such-bucket'))).rejects.toThrow(
      /S3 bucket "no-such-bucket" is not reachable: .*404/,
    );
    const closed = { ...options('p/'), endpoint: 'http://127.0.0.1:1' };
    await expect(openS3Storage(closed)).rejects.toThrow(
      /S3 bucket "inbetween-test" is not reachable: .*ECONNREFUSED/,
    );
  });

  it('refuses an unknown access key at open', async () => {
    const wrong = { ...options('p/'), credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'S3RVER' } };
    await expect(openS3Storage(wrong)).rejects.toThrow(/not reachable: .*403/);
  });

  it('keeps prefixes apart', async () => {
    const a = await openS3Storage(options('tenant-a/'));
    const b = await openS3Storage(options('tenant-b/'));
    await a.put('tasks/t/video.mp4', Buffer.from('a'));
    expect(await b.stat('tasks/t/video.mp4')).toBeUndefined();
    expect(await a.stat('tasks/t/video.mp4')).toMatchObject({ size: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it('presigns GET URLs the server serves, with Range, until they expire', async () => {
    const storage = await openS3Storage(options('presign/'));
    await storage.put('tasks/t/cover.jpg', Buffer.from('abcdefghij'));
    const url = storage.presignedUrl('tasks/t/cover.jpg', new Date(Date.now() + 60_000));
    expect(url.startsWith(`${s3.endpoint}/inbetween-test/presign/tasks/t/cover.jpg?`)).toBe(true);
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(await whole.text()).toBe('abcdefghij');
    const part = await fetch(url, { headers: { range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('cde');
    // s3rver checks the key id and the expiry of a V4 URL but not its signature; presign-get-url.test.ts
    // proves the signature equal to the AWS SDK's own.
    // One second of life: the server refuses it once the second has passed.
    const short = storage.presignedUrl('tasks/t/cover.jpg', new Date(Date.now() + 1000));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetch(short)).status).toBe(403);
    expect(() => storage.presignedUrl('tasks/t/cover.jpg', new Date(Date.now() + 8 * 86_400_000))).toThrow(
      RangeError,
    );
    expect(() => storage.presignedUrl('../x', new Date(Date.now() + 1000))).toThrow(
      'Expected a relative key',
    );
    await storage.close();
  });
});
