import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { startTestServer, type TestServer } from '../src/media/test-server.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { createBodyArbitrary, type FuzzImages } from './helpers/create-body-arbitrary.js';

/** How many bodies; FUZZ_RUNS lowers it for a quick local look. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/** Vidu's reasons, taken from the catalogue: a 4xx on Vidu's dialect must carry one of them. */
const VIDU_REASONS = new Set(Object.values(ERROR_CATALOGUE).map((entry) => entry.vidu.reason));

/** The create endpoints under fuzz, each with what its 4xx answers must carry in its own dialect. */
const ENDPOINTS: Array<{
  path: string;
  auth: (key: string) => string;
  checkError: (status: number, body: unknown) => void;
}> = [
  {
    path: '/model/v1/generation',
    auth: (key) => `Bearer ${key}`,
    checkError: (_, body) =>
      expect(ERROR_CODES).toContain((body as { error?: { code?: unknown } } | null)?.error?.code),
  },
  ...['/ent/v2/start-end2video', '/ent/v2/img2video'].map((path) => ({
    path,
    auth: (key: string) => `Token ${key}`,
    checkError: (status: number, body: unknown) => {
      const vidu = body as { code?: unknown; reason?: unknown; metadata?: { trace_id?: unknown } } | null;
      expect(VIDU_REASONS).toContain(vidu?.reason);
      expect(vidu?.code).toBe(status);
      expect(typeof vidu?.metadata?.trace_id).toBe('string');
      expect(vidu?.metadata?.trace_id).not.toBe('');
    },
  })),
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
    const statuses = new Map<string, Map<number, number>>();
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
          const counts = statuses.get(endpoint.path) ?? new Map<number, number>();
          statuses.set(endpoint.path, counts);
          counts.set(response.statusCode, (counts.get(response.statusCode) ?? 0) + 1);
          if (++runs % 500 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
          expect(response.statusCode).toBeLessThan(500);
          if (response.statusCode >= 400) {
            endpoint.checkError(response.statusCode, response.json());
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
    const summary = [...statuses.entries()].map(
      ([path, counts]) =>
        `${path} ${[...counts.values()].reduce((a, b) => a + b, 0)} (` +
        [...counts.entries()]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ') +
        ')',
    );
    console.info(
      `fuzz: ${runs} bodies in ${((performance.now() - started) / 1000).toFixed(1)} s; ${summary.join('; ')}; ` +
        `RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 900_000);
});
