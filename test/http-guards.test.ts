import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { startTestServer, type TestServer } from '../src/media/test-server.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { jsonBody, openSocket, readAnswer } from './helpers/raw-http.js';

const ADMIN = 'test-admin-token-0123456789';
const MODEL = 'viduq2_pro_start_end2video';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let images: TestServer;
let png: Buffer;
/** Stalled image downloads, answered when the test lets them go. */
const stalled: Array<() => void> = [];

/** One embedded server per test setting, listening on a free port, with a first key. */
async function serve(http: Parameters<typeof assembleEmbeddedServer>[0]['http'] = {}) {
  const server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:1',
    adminToken: ADMIN,
    fileSecret: 'test-file-secret-0123456789abcdef',
    renderThreads: 1,
    // No render: tasks stay pending, so what is measured is the HTTP layer only.
    worker: { concurrency: 0 },
    service: { allowPrivateHosts: ['127.0.0.1'], fetchTimeoutMs: 20_000 },
    http,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  const key = (await createApiKey(store, 'guards')).secret;
  return { server, port, base: `http://127.0.0.1:${port}`, key };
}

const opened: EmbeddedServer[] = [];
async function open(http: Parameters<typeof serve>[0] = {}) {
  const served = await serve(http);
  opened.push(served.server);
  return served;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-guards-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  images = await startTestServer({
    '/stall.png': (_, response) => stalled.push(() => response.writeHead(404).end()),
    '/image.png': (_, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png),
  });
});

afterAll(async () => {
  for (const release of stalled.splice(0)) release();
  for (const server of opened) await server.close();
  await images.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function createBody(url: string): string {
  return JSON.stringify({ model: MODEL, images: [url] });
}

describe('requests without a valid key', () => {
  it('are answered 401 before their body is read', async () => {
    const { port } = await open();
    for (const authorization of ['', 'Authorization: Bearer ib_not_a_key\r\n']) {
      const socket = await openSocket(port);
      const answer = readAnswer(socket, '}');
      // 10 MB announced, not one byte sent: a server that reads the body first never answers.
      socket.write(
        `POST /model/v1/generation HTTP/1.1\r\nHost: x\r\n${authorization}` +
          'Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n',
      );
      const { text } = await answer;
      socket.destroy();
      expect(text).toMatch(/^HTTP\/1.1 401/);
      const body = jsonBody(text) as { error: { code: string }; request_id: string };
      expect(body.error.code).toBe('unauthorized');
      expect(body.request_id).toMatch(/^req_/);
    }
  });

  it('are rate-limited by client address, keyed or not', async () => {
    const { base } = await open({ addressRateLimit: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${base}/model/v1/generation/tasks`)).status);
    // A burst of twice the rate passes the address bucket (and fails on the missing key); the rest are 429.
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    const limited = await fetch(`${base}/model/v1/generation/tasks`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('client address');
  });
});

describe('INBETWEEN_TRUST_PROXY', () => {
  async function limitedAfterBurst(base: string, forwardedFor: string[]): Promise<boolean> {
    let limited = false;
    for (const address of forwardedFor) {
      const response = await fetch(`${base}/healthz-not-exempt`, { headers: { 'x-forwarded-for': address } });
      if (response.status === 429) limited = true;
    }
    return limited;
  }

  it('takes the client address from X-Forwarded-For only when set', async () => {
    const addresses = Array.from({ length: 6 }, (_, i) => `198.51.100.${i + 1}`);
    const trusting = await open({ addressRateLimit: 1, trustProxy: true });
    // Each forwarded address has its own bucket of 2: six different ones never run out.
    expect(await limitedAfterBurst(trusting.base, addresses)).toBe(false);
    const plain = await open({ addressRateLimit: 1, trustProxy: false });
    // Without it the header is the client's word and ignored: all six share the socket's address.
    expect(await limitedAfterBurst(plain.base, addresses)).toBe(true);
  });
});

describe('the intake bound', () => {
  it('answers 503 server_busy with Retry-After beyond it, and frees the place when the intake ends', async () => {
    const { base, key } = await open({ maxConcurrentIntakes: 1, rateLimit: 1000 });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const first = fetch(`${base}/model/v1/generation`, {
      method: 'POST',
      headers,
      body: createBody(`${images.origin}/stall.png`),
    });
    await vi.waitFor(() => expect(stalled.length).toBe(1), { timeout: 10_000 });
    const busy = await fetch(`${base}/model/v1/generation`, {
      method: 'POST',
      headers,
      body: createBody(`${images.origin}/image.png`),
    });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    const body = (await busy.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('server_busy');
    expect(body.error.message).toContain('at most 1');
    // Sync creates share the bound.
    const busySync = await fetch(`${base}/model/v1/generation/sync`, {
      method: 'POST',
      headers,
      body: createBody(`${images.origin}/image.png`),
    });
    expect(busySync.status).toBe(503);
    stalled.shift()!();
    expect((await first).status).toBe(400); // the stalled image ended as a 404 download
    const next = await fetch(`${base}/model/v1/generation`, {
      method: 'POST',
      headers,
      body: createBody(`${images.origin}/image.png`),
    });
    expect(next.status).toBe(200);
  });

  it('frees the place of a request whose client hangs up before sending its body', async () => {
    const { base, port, key } = await open({ maxConcurrentIntakes: 1, rateLimit: 1000 });
    const socket = await openSocket(port);
    socket.write(
      `POST /model/v1/generation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"mod',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    await vi.waitFor(
      async () => {
        const response = await fetch(`${base}/model/v1/generation`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: createBody(`${images.origin}/image.png`),
        });
        expect(response.status).toBe(200);
      },
      { timeout: 10_000, interval: 200 },
    );
  });
});

describe('POST /model/v1/generation/sync', () => {
  it('stops waiting when the client hangs up', async () => {
    const { server, port, key } = await open({ syncTimeoutMs: 120_000, rateLimit: 1000 });
    const reads = vi.spyOn(server.service, 'get');
    const socket = await openSocket(port);
    const body = createBody(`${images.origin}/image.png`);
    socket.write(
      `POST /model/v1/generation/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // The wait reads the task every 250 ms while it is pending (no worker runs here).
    await vi.waitFor(() => expect(reads.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const afterHangUp = reads.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(reads.mock.calls.length).toBe(afterHangUp);
    reads.mockRestore();
  });
});

describe('answers for what does not exist', () => {
  it('file 404s, unknown admin key ids and unknown routes carry catalogue codes and a request id', async () => {
    const { base } = await open();
    const cases: Array<[string, RequestInit, string]> = [
      ['/files/tasks/none/output.mp4?expires=9999999999&signature=abc', {}, 'file_not_found'],
      ['/files/tasks/none/output.mp4', {}, 'file_not_found'],
      ['/admin/v1/keys/key_nope', { headers: { authorization: `Bearer ${ADMIN}` } }, 'key_not_found'],
      [
        '/admin/v1/keys/key_nope/top-up',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: '{"amount":"1"}',
        },
        'key_not_found',
      ],
      ['/no/such/endpoint', {}, 'route_not_found'],
    ];
    for (const [path, init, code] of cases) {
      const response = await fetch(base + path, init);
      expect(response.status, path).toBe(404);
      const body = (await response.json()) as { error: { code: string }; request_id: string };
      expect(body.error.code, path).toBe(code);
      expect(ERROR_CODES).toContain(body.error.code);
      expect(body.request_id).toBe(response.headers.get('x-request-id'));
    }
  });
});

describe('the request log', () => {
  it('never holds a signed file URL’s signature or expiry', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const { base } = await open({ logger: { level: 'info', stream } });
    await fetch(`${base}/files/tasks/t/output.mp4?expires=1893456000&signature=s3cr3tSIGNATURE`);
    await vi.waitFor(() => expect(lines.join('')).toContain('/files/tasks/t/output.mp4'));
    const log = lines.join('');
    expect(log).not.toContain('s3cr3tSIGNATURE');
    expect(log).not.toContain('1893456000');
    expect(log).toContain('expires=[redacted]&signature=[redacted]');
  });
});
