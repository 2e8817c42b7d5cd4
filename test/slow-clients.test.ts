import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { jsonBody, openSocket, readAnswer } from './helpers/raw-http.js';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let port: number;
let key: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-slow-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:1',
    adminToken: 'test-admin-token-0123456789',
    fileSecret: 'test-file-secret-0123456789abcdef',
    renderThreads: 1,
    worker: { concurrency: 0 },
    http: { headersTimeoutMs: 1_500, requestTimeoutMs: 3_000 },
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  ({ port } = server.app.server.address() as AddressInfo);
  key = (await createApiKey(store, 'slow')).secret;
});
afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Writes `piece()` to the socket every `everyMs` until it closes. */
function trickle(socket: Socket, piece: () => string, everyMs: number): () => void {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(piece());
  }, everyMs);
  return () => clearInterval(timer);
}

/** A quick request answered while the slow ones hold their sockets. */
async function servedMeanwhile(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
}

describe('slow clients', () => {
  it('cuts off a slowloris that never finishes its headers, serving others meanwhile', async () => {
    const socket = await openSocket(port);
    const answer = readAnswer(socket);
    socket.write('GET /model/v1/generation/tasks HTTP/1.1\r\nHost: x\r\n');
    let header = 0;
    const stop = trickle(socket, () => `X-Slow-${header++}: y\r\n`, 200);
    expect(await servedMeanwhile()).toBe(200);
    const { text, closed } = await answer;
    stop();
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(jsonBody(text)).toMatchObject({ error: { code: 'request_timeout' } });
    // It was cut off by the limit, not by running out of headers to send.
    expect(header).toBeLessThan(100);
    expect(await servedMeanwhile()).toBe(200);
  });

  it('cuts off a body sent a byte at a time, serving others meanwhile', async () => {
    const socket = await openSocket(port);
    const answer = readAnswer(socket);
    socket.write(
      `POST /model/v1/generation HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"model":',
    );
    let sent = 0;
    const stop = trickle(socket, () => (sent++, ' '), 100);
    expect(await servedMeanwhile()).toBe(200);
    const { text, closed } = await answer;
    stop();
    expect(closed).toBe(true);
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(sent).toBeLessThan(1000);
    expect(await servedMeanwhile()).toBe(200);
  });
});
