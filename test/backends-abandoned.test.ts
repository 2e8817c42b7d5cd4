import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendSettings } from '../src/backends/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import {
  createTestDatabase,
  freshSchema,
  skipWithoutPostgres,
  type TestDatabase,
} from '../src/store/postgres/pg-test-database.js';
import { openPostgresStore } from '../src/store/postgres/postgres-task-store.js';
import { FakeVidu } from './fakes/fake-vidu.js';
import {
  keyframe,
  makeOutputs,
  startBackendService,
  type BackendService,
} from './helpers/backend-service.js';

// Upstream tasks that no worker follows any more: a task cancelled while its worker was gone is still cancelled
// upstream, by the sweep of whichever process gets to it first, and only once. Run on both stores, since the
// claim that keeps it to one cancel is the store's.

const MODEL = 'viduq2_pro_start_end2video';
const VIDU_KEY = 'abandoned-vidu-key';

let outputs: { video: Buffer; cover: Buffer };
let frames: { uri: string }[];
let vidu: FakeVidu;
let dir: string;
const running: BackendService[] = [];
const stores: TaskStore[] = [];

beforeAll(async () => {
  outputs = await makeOutputs();
  frames = [await keyframe(0), await keyframe(4)];
});

afterEach(async () => {
  for (const service of running.splice(0)) await service.close();
  for (const store of stores.splice(0)) await store.close();
  await vidu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function settings(extra: Partial<BackendSettings> = {}): BackendSettings {
  return {
    routes: `${MODEL}=vidu`,
    vidu: { apiKey: VIDU_KEY, baseUrl: vidu.baseUrl, concurrency: 2 },
    sweepIntervalMs: 30,
    ...extra,
  };
}

function body(): Record<string, unknown> {
  return { model: MODEL, images: frames.map((frame) => frame.uri), duration: 2, resolution: '540p' };
}

async function start(
  backends: BackendSettings,
  options: Parameters<typeof startBackendService>[1],
): Promise<BackendService> {
  const service = await startBackendService(backends, { dir, ...options });
  running.push(service);
  return service;
}

/**
 * A worker that had the task upstream and stopped (handing it back to the queue), then two API processes that
 * render nothing, each on a store of its own over the same database: nobody will resume the task.
 */
async function orphan(
  openStore: () => Promise<TaskStore>,
  first: Partial<BackendSettings>,
  until: (service: BackendService, id: string) => Promise<boolean>,
): Promise<{ id: string; apis: BackendService[] }> {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-abandoned-'));
  const [storeA, storeB] = [await openStore(), await openStore()];
  stores.push(storeA, storeB);
  const worker = await startBackendService(settings({ sweepIntervalMs: 600_000, ...first }), {
    store: storeA,
    dir,
    stopGraceMs: 50,
  });
  const { id } = await worker.create(body());
  await waitUntil(() => until(worker, id));
  await worker.close();
  expect(await storeA.getTask(id)).toMatchObject({ status: 'pending' });
  const key = { secret: worker.key, id: worker.keyId };
  const apis = [
    await start(settings({ requestTimeoutMs: 300 }), { store: storeA, concurrency: 0, key }),
    await start(settings({ requestTimeoutMs: 300 }), { store: storeB, concurrency: 0, key }),
  ];
  return { id, apis };
}

async function expectRefunded(service: BackendService): Promise<void> {
  expect(await service.admin(`/admin/v1/keys/${service.keyId}`)).toMatchObject({
    balance: '10.0000',
    held: '0.0000',
    spent: '0.0000',
  });
  expect(await service.admin('/admin/v1/ledger/audit')).toEqual({ balanced: true, problems: [] });
}

const skipPostgres = await skipWithoutPostgres();
let database: TestDatabase | null = null;
afterAll(async () => {
  await database?.drop();
});

const adapters: [string, () => Promise<TaskStore>, boolean][] = [
  ['sqlite', () => openSqliteStore({ path: join(dir, 'db.sqlite') }), false],
  [
    'postgres',
    async () => {
      database ??= await createTestDatabase();
      return openPostgresStore(database.url, { schema: currentSchema });
    },
    skipPostgres,
  ],
];
let currentSchema = freshSchema();

describe.each(adapters)('abandoned upstream attempts on %s', (_name, openStore, skip) => {
  it.skipIf(skip)(
    'cancels upstream a task cancelled while no worker held it, once, whichever process sweeps',
    async () => {
      currentSchema = freshSchema();
      vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...outputs });
      vidu.book.defaultTask = { polls: 1_000_000, credits: 20 };
      const { id, apis } = await orphan(openStore, {}, async (worker, task) => {
        return (await worker.get(task)).metadata.upstream !== undefined;
      });
      const upstreamId = [...vidu.book.tasks.keys()][0];
      expect(vidu.book.cancels).toEqual([]);

      expect((await apis[0].cancel(id)).status).toBe('cancelled');
      await waitUntil(async () => (await apis[1].store.listUpstreamAttempts(id))[0].state === 'cancelled');
      // Both processes kept sweeping meanwhile; the claim let one of them ask.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(vidu.book.cancels).toEqual([upstreamId]);
      expect(vidu.book.tasks.get(upstreamId)?.state).toBe('cancelled');
      const [attempt] = await apis[1].store.listUpstreamAttempts(id);
      expect(attempt).toMatchObject({ upstreamTaskId: upstreamId, credits: 20 });
      expect(attempt.reason).toContain('cancelled by the client while no worker held the task');
      expect((await apis[1].get(id)).status).toBe('cancelled');
      await expectRefunded(apis[0]);
    },
  );

  it.skipIf(skip)('finds a submission in doubt in the provider task list and cancels it there', async () => {
    currentSchema = freshSchema();
    vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...outputs });
    vidu.book.defaultTask = { polls: 1_000_000 };
    // The provider makes the task and never answers: the worker stops with the submission in doubt.
    vidu.book.createScripts.push({ kind: 'accept-then-hang' });
    const { id, apis } = await orphan(openStore, { requestTimeoutMs: 60_000 }, () =>
      Promise.resolve(vidu.book.tasks.size === 1),
    );
    expect((await apis[0].store.listUpstreamAttempts(id))[0]).toMatchObject({
      state: 'submitting',
      upstreamTaskId: null,
    });
    expect((await apis[0].cancel(id)).status).toBe('cancelled');
    const upstreamId = [...vidu.book.tasks.keys()][0];
    await waitUntil(() => vidu.book.cancels.length > 0);
    expect(vidu.book.cancels).toEqual([upstreamId]);
    await waitUntil(async () => (await apis[0].store.listUpstreamAttempts(id))[0].state === 'cancelled');
    expect((await apis[0].store.listUpstreamAttempts(id))[0].upstreamTaskId).toBe(upstreamId);
    expect(vidu.book.creates).toHaveLength(1);
    await expectRefunded(apis[0]);
  });

  it.skipIf(skip)('closes a submission that never reached the provider, cancelling nothing', async () => {
    currentSchema = freshSchema();
    vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...outputs });
    // Taken in and never answered, and no task made: the submission never arrived.
    vidu.book.createScripts.push({ kind: 'hang' });
    const { id, apis } = await orphan(openStore, { requestTimeoutMs: 60_000 }, () =>
      Promise.resolve(vidu.book.creates.length === 1),
    );
    expect((await apis[0].cancel(id)).status).toBe('cancelled');
    await waitUntil(async () => (await apis[0].store.listUpstreamAttempts(id))[0].state === 'rejected');
    expect((await apis[0].store.listUpstreamAttempts(id))[0].reason).toBe(
      'not found in the provider task list',
    );
    expect(vidu.book.tasks.size).toBe(0);
    expect(vidu.book.cancels).toEqual([]);
    await expectRefunded(apis[0]);
  });
});

describe('provider output URLs', () => {
  it('refuses an output on a private address unless allowed: the task fails, is refunded, and the provider cost is kept', async () => {
    dir = await mkdtemp(join(tmpdir(), 'inbetween-abandoned-'));
    vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...outputs });
    vidu.book.defaultTask = { polls: 1, credits: 10 };
    // The fake serves its outputs from 127.0.0.1: with no allowance, that is a loopback address like any other.
    const service = await start(settings({ allowPrivateHosts: [] }), {});
    const done = await service.waitFor((await service.create(body())).id);
    expect(done).toMatchObject({ status: 'failed', error: { code: '002014012' } });
    expect(done.error?.message).toContain(
      'the upstream output could not be stored: fetching the video was refused: 127.0.0.1 is a blocked address (loopback)',
    );
    const [upstream] = vidu.book.tasks.values();
    expect(upstream.state).toBe('succeeded');
    expect(upstream.downloads).toBe(0); // never fetched, not even once
    // The provider was paid for a video inbetween would not fetch: kept on the attempt, the task and the usage.
    const [attempt] = await service.store.listUpstreamAttempts(done.id);
    expect(attempt).toMatchObject({ state: 'failed', credits: 10, upstreamTaskId: upstream.id });
    expect(attempt.reason).toContain('blocked address');
    expect(done.metadata.upstream).toMatchObject({ task_id: upstream.id, credits: 10 });
    const usage = await service.admin<Record<string, unknown>>(`/admin/v1/keys/${service.keyId}/usage`);
    expect(usage).toMatchObject({ spent: '0.0000', upstream_credits: 10 });
    await expectRefunded(service);
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}
