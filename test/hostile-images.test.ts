import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { hostileImages, type HostileImage } from './helpers/hostile-images.js';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let key: string;
let cases: HostileImage[];

const dataUri = (bytes: Buffer, type = 'image/png') => `data:${type};base64,${bytes.toString('base64')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-hostile-'));
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
    http: { rateLimit: 10_000 },
    service: { maxActiveTasks: 1000 },
  });
  key = (await createApiKey(store, 'hostile')).secret;
  cases = await hostileImages();
});
afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hostile and awkward images at create', () => {
  it('answers each with its code, and the server keeps serving', async () => {
    const seen: Array<[string, string]> = [];
    for (const image of cases) {
      const images = image.pairedWith
        ? [dataUri(image.pairedWith), dataUri(image.bytes)]
        : [dataUri(image.bytes)];
      const response = await server.app.inject({
        method: 'POST',
        url: '/model/v1/generation',
        headers: { authorization: `Bearer ${key}` },
        payload: { model: 'viduq2_pro_start_end2video', images },
      });
      const body = response.json<{ error?: { code: string; param?: string }; status?: string }>();
      seen.push([
        image.name,
        response.statusCode === 200 ? 'ok' : (body.error?.code ?? `HTTP ${response.statusCode}`),
      ]);
    }
    expect(seen).toEqual(cases.map((image) => [image.name, image.expected]));
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});
