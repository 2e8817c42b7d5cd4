import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { startTestServer, type TestServer } from '../src/media/test-server.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { createBodyArbitrary, type FuzzImages } from './helpers/create-body-arbitrary.js';

/** How many bodies; FUZZ_RUNS lowers it for a quick local look. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/**
 * The create endpoints under fuzz, with how each finds an error's catalogue code in its answers. A second
 * dialect is one more line (for Vidu's: its path, `Token` auth and its error's `reason`).
 */
const ENDPOINTS: Array<{ path: string; auth: (key: string) => string; codeOf: (body: unknown) => unknown }> =
  [
    {
      path: '/model/v1/generation',
      auth: (key) => `Bearer ${key}`,
      codeOf: (body) => (body as { error?: { code?: unknown } } | null)?.error?.code,
    },
  ];

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let images: TestServer;
let key: string;
let fuzzImages: FuzzImages;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-fuzz-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  const png = await sharp({ create: { width: 48, height: 32, channels: 3, background: '#335577' } })
    .png()
    .toBuffer();
  const jpeg = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#775533' } })
    .jpeg()
    .toBuffer();
  images = await startTestServer({
    '/good.png': (_, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png),
    '/text': (_, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('not an image'),
  });
  fuzzImages = {
    good: [
      `data:image/png;base64,${png.toString('base64')}`,
      `data:image/jpeg;base64,${jpeg.toString('base64')}`,
    ],
    localUrls: [`${images.origin}/good.png`, `${images.origin}/missing.png`, `${images.origin}/text`],
  };
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:1',
    adminToken: 'test-admin-token-0123456789',
    fileSecret: 'test-file-secret-0123456789abcdef',
    renderThreads: 1,
    worker: { concurrency: 0 },
    service: {
      allowPrivateHosts: ['127.0.0.1'],
      fetchTimeoutMs: 3_000,
      maxActiveTasks: 1_000_000,
      maxQueue: 1_000_000,
    },
    http: { rateLimit: 1_000_000, addressRateLimit: 1_000_000 },
  });
  key = (await createApiKey(store, 'fuzz')).secret;
});

afterAll(async () => {
  await server.close();
  await images.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fuzzing the create endpoints', () => {
  it(`answers ${RUNS} generated bodies without a 5xx, every 4xx with a catalogue code`, async () => {
    const statuses = new Map<number, number>();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let runs = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(
        createBodyArbitrary(fuzzImages),
        fc.constantFrom(...ENDPOINTS),
        async (body, endpoint) => {
          const response = await server.app.inject({
            method: 'POST',
            url: endpoint.path,
            headers: { authorization: endpoint.auth(key), 'content-type': body.contentType },
            payload: body.text,
          });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          if (++runs % 500 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(ERROR_CODES).toContain(endpoint.codeOf(response.json()));
          }
        },
      ),
      { numRuns: RUNS },
    );
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    // Still up and answering.
    expect((await server.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    // Bounded: the inputs of every accepted task live in storage, not memory.
    expect(rssPeak - rssBefore).toBeLessThan(1024 * 1024 * 1024);
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
    console.info(
      `fuzz: ${runs} bodies in ${((performance.now() - started) / 1000).toFixed(1)} s; ${summary.join(', ')}; ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 900_000);
});
