import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { startTestServer, type TestServer } from '../src/media/test-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { TaskService } from '../src/tasks/task-service.js';

const BURST = 10;

let dir: string;
let storage: BlobStorage;
let images: TestServer;
let waiting: (() => void)[] = [];

// The image server holds every download until the whole burst has asked for its image, so every create has
// passed the early limit checks (which run before the intake) before any of them reaches the insert.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-limits-'));
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
  images = await startTestServer({
    '/frame.png': (_request, response) => {
      waiting.push(() => response.writeHead(200, { 'content-type': 'image/png' }).end(png));
      if (waiting.length === BURST) {
        for (const release of waiting) release();
        waiting = [];
      }
    },
  });
});

afterAll(async () => {
  await images?.close();
  await storage?.close();
  await rm(dir, { recursive: true, force: true });
});

async function burst(tasks: TaskService, keyIds: string[]): Promise<PromiseSettledResult<unknown>[]> {
  const body = { model: 'viduq2_pro_start_end2video', images: [`${images.origin}/frame.png`], duration: 1 };
  return Promise.allSettled(
    Array.from({ length: BURST }, (_, i) => tasks.create({ keyId: keyIds[i % keyIds.length], body })),
  );
}

function refusals(results: PromiseSettledResult<unknown>[]): string[] {
  return results.flatMap((r) =>
    r.status === 'rejected' ? [r.reason instanceof ApiError ? r.reason.code : String(r.reason)] : [],
  );
}

async function storedInputFolders(): Promise<number> {
  return (await readdir(join(dir, 'files', 'tasks')).catch(() => [])).length;
}

describe('limits under a burst of creates', () => {
  let store: TaskStore;
  beforeAll(async () => {
    store = await openSqliteStore({ path: ':memory:' });
  });
  afterAll(async () => {
    await store?.close();
  });

  function service(limits: { maxActiveTasks?: number; maxQueue?: number }): TaskService {
    return new TaskService({
      store,
      storage,
      fileUrl: (k) => k,
      allowPrivateHosts: ['127.0.0.1'],
      ...limits,
    });
  }

  it("accepts exactly a key's unfinished-task limit and keeps no inputs of the refused", async () => {
    const key = (await createApiKey(store, 'burst')).record.id;
    const results = await burst(service({ maxActiveTasks: 3 }), [key]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refusals(results)).toEqual(Array(BURST - 3).fill('rate_limited'));
    expect(await store.countByStatus()).toMatchObject({ pending: 3 });
    expect(await storedInputFolders()).toBe(3);
  });

  it('accepts exactly what the queue has room for, across keys', async () => {
    const keys = [(await createApiKey(store, 'a')).record.id, (await createApiKey(store, 'b')).record.id];
    // Three tasks wait already (the test before); room for two more.
    const results = await burst(service({ maxQueue: 5 }), keys);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(refusals(results)).toEqual(Array(BURST - 2).fill('queue_full'));
    expect(await store.queueDepth()).toBe(5);
    expect(await storedInputFolders()).toBe(5);
  });
});
