import { describe, expect, it } from 'vitest';

import { contentTypeForKey } from './content-type.js';
import { signFileUrl, verifyFileUrl } from './signed-urls.js';

const secret = 'a-test-secret-of-reasonable-length';
const key = 'tasks/task_abc/video.mp4';
const expiresAt = new Date('2030-01-01T00:00:00Z');
const now = new Date('2029-12-31T12:00:00Z');

function parts(url: string) {
  const parsed = new URL(url);
  return {
    key: parsed.pathname.replace(/^\/files\//, ''),
    expires: parsed.searchParams.get('expires') ?? undefined,
    signature: parsed.searchParams.get('signature') ?? undefined,
  };
}

describe('signFileUrl and verifyFileUrl', () => {
  const url = signFileUrl({ baseUrl: 'http://127.0.0.1:8080/', key, expiresAt, secret });

  it('builds the documented URL shape', () => {
    expect(url).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/files\/tasks\/task_abc\/video\.mp4\?expires=1893456000&signature=[\w-]{43}$/,
    );
  });

  it('verifies its own URL', () => {
    expect(verifyFileUrl({ ...parts(url), secret, now })).toBe('ok');
  });

  it('answers bad_signature for a tampered key, expiry, signature or secret', () => {
    const good = parts(url);
    expect(verifyFileUrl({ ...good, key: 'tasks/task_abd/video.mp4', secret, now })).toBe('bad_signature');
    expect(verifyFileUrl({ ...good, expires: '1893456001', secret, now })).toBe('bad_signature');
    // A forged expiry in the past must not read as merely expired.
    expect(verifyFileUrl({ ...good, expires: '1', secret, now })).toBe('bad_signature');
    expect(verifyFileUrl({ ...good, signature: good.signature!.slice(1), secret, now })).toBe(
      'bad_signature',
    );
    expect(verifyFileUrl({ ...good, signature: 'A'.repeat(43), secret, now })).toBe('bad_signature');
    expect(verifyFileUrl({ ...good, secret: 'another secret', now })).toBe('bad_signature');
    expect(verifyFileUrl({ ...good, expires: undefined, secret, now })).toBe('bad_signature');
    expect(verifyFileUrl({ ...good, expires: '1e9', secret, now })).toBe('bad_signature');
    expect(verifyFileUrl({ ...good, key: '../etc/passwd', secret, now })).toBe('bad_signature');
  });

  it('answers expired once the expiry has passed', () => {
    expect(verifyFileUrl({ ...parts(url), secret, now: expiresAt })).toBe('expired');
    expect(verifyFileUrl({ ...parts(url), secret, now: new Date('2031-01-01T00:00:00Z') })).toBe('expired');
  });

  it('refuses to sign an unsafe key', () => {
    expect(() => signFileUrl({ baseUrl: 'http://x', key: '../x', expiresAt, secret })).toThrow('blob key');
  });
});

describe('contentTypeForKey', () => {
  it.each([
    ['a/video.mp4', 'video/mp4'],
    ['a/cover.jpg', 'image/jpeg'],
    ['a/COVER.JPEG', 'image/jpeg'],
    ['a/in.png', 'image/png'],
    ['a/in.webp', 'image/webp'],
    ['a.b/noext', 'application/octet-stream'],
  ])('%s is %s', (k, type) => expect(contentTypeForKey(k)).toBe(type));
});
