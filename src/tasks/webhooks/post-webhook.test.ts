import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../media/index.js';
import { startTestServer, type TestServer } from '../../media/test-server.js';
import { postWebhook } from './post-webhook.js';

let receiver: TestServer;
const bodies: string[] = [];

beforeAll(async () => {
  receiver = await startTestServer({
    '/ok': (request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        bodies.push(
          `${String(request.headers['content-type'])} ${String(request.headers['webhook-id'])} ${body}`,
        );
        response.writeHead(204).end();
      });
    },
    '/moved': (_request, response) => response.writeHead(302, { location: '/ok' }).end(),
    '/down': (_request, response) => response.writeHead(503).end(),
    '/silent': () => undefined,
  });
});
afterAll(() => receiver.close());

const loopback = { allowList: parseAllowList(['127.0.0.1']), timeoutMs: 2_000 };

describe('postWebhook', () => {
  it('posts the body as JSON with the given headers and takes a 2xx as delivered', async () => {
    const result = await postWebhook(`${receiver.origin}/ok`, { 'webhook-id': 'msg_1' }, '{"a":1}', loopback);
    expect(result).toEqual({ status: 204, error: null });
    expect(bodies).toContain('application/json msg_1 {"a":1}');
  });

  it('refuses a private address unless it is allow-listed, without connecting', async () => {
    const before = receiver.hits.get('/ok') ?? 0;
    const result = await postWebhook(`${receiver.origin}/ok`, {}, '{}', {
      allowList: parseAllowList([]),
      timeoutMs: 2_000,
    });
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/127\.0\.0\.1 is a blocked address \(loopback\)/);
    expect(receiver.hits.get('/ok') ?? 0).toBe(before);
  });

  it('does not follow a redirect, which could lead past the address check', async () => {
    const before = receiver.hits.get('/ok') ?? 0;
    const result = await postWebhook(`${receiver.origin}/moved`, {}, '{}', loopback);
    expect(result).toEqual({
      status: 302,
      error: 'the receiver answered HTTP 302 (redirects are not followed)',
    });
    expect(receiver.hits.get('/ok') ?? 0).toBe(before);
  });

  it('names the failure: an error status, a timeout, a refused connection, a bad scheme', async () => {
    expect(await postWebhook(`${receiver.origin}/down`, {}, '{}', loopback)).toEqual({
      status: 503,
      error: 'the receiver answered HTTP 503',
    });
    expect(await postWebhook(`${receiver.origin}/silent`, {}, '{}', { ...loopback, timeoutMs: 200 })).toEqual(
      { status: null, error: 'timed out after 200 ms' },
    );
    const refused = await postWebhook('http://127.0.0.1:1/x', {}, '{}', loopback);
    expect(refused).toEqual({ status: null, error: 'the connection failed (ECONNREFUSED)' });
    expect((await postWebhook('ftp://127.0.0.1/x', {}, '{}', loopback)).error).toBe(
      'the ftp: scheme is not allowed',
    );
  });
});
