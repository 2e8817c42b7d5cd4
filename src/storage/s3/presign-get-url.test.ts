import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';

import { presignGetUrl } from './presign-get-url.js';

/** The SDK's hash interface on node:crypto (HMAC when given a secret), as the SDK's own hash-node does it. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret ? createHmac('sha256', toBytes(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
  reset(): void {}
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const now = new Date('2026-12-01T12:34:56.789Z');

/** What the AWS SDK's own presigner makes of the same request: the reference our synchronous one must match. */
async function sdkPresign(
  url: URL,
  region: string,
  expiresIn: number,
  sessionToken?: string,
): Promise<string> {
  const presigner = new S3RequestPresigner({
    credentials: { ...credentials, ...(sessionToken ? { sessionToken } : {}) },
    region,
    sha256: Sha256,
  });
  const signed = await presigner.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host },
    },
    { signingDate: now, expiresIn },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .sort()
    .join('&');
  return `${url.origin}${signed.path}?${query}`;
}

function parts(url: string): { base: string; query: Record<string, string> } {
  const parsed = new URL(url);
  return { base: parsed.origin + parsed.pathname, query: Object.fromEntries(parsed.searchParams) };
}

describe('presignGetUrl', () => {
  it.each([
    [
      'virtual-hosted AWS',
      'https://media.s3.eu-west-1.amazonaws.com/prod/tasks/task_a/video.mp4',
      'eu-west-1',
    ],
    ['path-style with a port', 'http://127.0.0.1:9000/media/tasks/task_B-1/cover.jpg', 'us-east-1'],
  ])('signs exactly as the AWS SDK does (%s)', async (_name, objectUrl, region) => {
    const ours = presignGetUrl({
      objectUrl: new URL(objectUrl),
      region,
      credentials,
      now,
      expiresInSeconds: 3600,
    });
    expect(parts(ours)).toEqual(parts(await sdkPresign(new URL(objectUrl), region, 3600)));
    expect(parts(ours).query['X-Amz-Date']).toBe('20261201T123456Z');
  });

  it('carries a session token of temporary credentials, signed', async () => {
    const url = new URL('https://b.s3.us-west-2.amazonaws.com/k/video.mp4');
    const token = 'FwoGZXIvYXdzE//token+with/odd=chars';
    const ours = presignGetUrl({
      objectUrl: url,
      region: 'us-west-2',
      credentials: { ...credentials, sessionToken: token },
      now,
      expiresInSeconds: 60,
    });
    expect(parts(ours).query['X-Amz-Security-Token']).toBe(token);
    expect(parts(ours)).toEqual(parts(await sdkPresign(url, 'us-west-2', 60, token)));
  });

  it('refuses lifetimes S3 would refuse', () => {
    const base = {
      objectUrl: new URL('https://b.s3.amazonaws.com/k'),
      region: 'us-east-1',
      credentials,
      now,
    };
    expect(() => presignGetUrl({ ...base, expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => presignGetUrl({ ...base, expiresInSeconds: 604_801 })).toThrow(RangeError);
    expect(() => presignGetUrl({ ...base, expiresInSeconds: Number.NaN })).toThrow(RangeError);
  });
});
