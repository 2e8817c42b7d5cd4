import { describe, expect, it } from 'vitest';
import { judge } from './copy-output.js';
import { parseRetryAfter, ProviderHttpError } from './provider-http.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});

describe('ProviderHttpError', () => {
  it('counts 429, 5xx and calls without an answer as retryable, other 4xx not', () => {
    expect(new ProviderHttpError('http', 'x', 429).retryable).toBe(true);
    expect(new ProviderHttpError('http', 'x', 503).retryable).toBe(true);
    expect(new ProviderHttpError('http', 'x', 400).retryable).toBe(false);
    expect(new ProviderHttpError('refused', 'x').retryable).toBe(true);
    expect(new ProviderHttpError('in_doubt', 'x').retryable).toBe(true);
  });
});

describe('judge', () => {
  it('accepts MP4 videos and JPEG or PNG covers by their first bytes', () => {
    const mp4 = Buffer.from('000000186674797069736f6d00000200', 'hex');
    expect(judge('video', mp4)).toBeNull();
    expect(judge('video', Buffer.from('<html>expired</html>'))).toBe('is not an MP4 file');
    expect(judge('cover', Buffer.from('ffd8ffe000104a4649460001', 'hex'))).toBeNull();
    expect(judge('cover', Buffer.from('89504e470d0a1a0a0000000d', 'hex'))).toBeNull();
    expect(judge('cover', mp4)).toBe('is not a JPEG or PNG image');
  });
});
