import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackendRouter,
  LocalBackend,
  SlotLimiter,
  type Backend,
  type RenderJob,
  type RenderResult,
} from '../src/backends/index.js';
import { WorkerPool } from '../src/engine/render/worker-pool.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type StoredTask, type TaskStore } from '../src/store/index.js';
import { makeKey, makeTask } from '../src/store/store-test-fixtures.js';
import { LocalWorker } from '../src/worker/local-worker.js';
import { keyframe } from './helpers/backend-service.js';

const MODEL = 'viduq2_pro_start_end2video';

/** A backend the test steers: it writes its video at once, then finishes when released (or aborts). */
class GatedBackend implements Backend {
  readonly name = 'local';
  readonly runs: RenderJob[] = [];
  #releases: (() => void)[] = [];

  constructor(private readonly storage: BlobStorage) {}

  async render(job: RenderJob): Promise<RenderResult> {
    await this.storage.put(job.outputKeys.video, Buffer.from(`video of run ${this.runs.length + 1}`));
    await new Promise<void>((resolve, reject) => {
      this.#releases.push(resolve);
      this.runs.push(job);
      job.signal.addEventListener('abort', () => reject(job.signal.reason as Error), { once: true });
    });
    return { backend: 'local', videoKey: job.outputKeys.video, coverKey: null, duration: 1 };
  }

  release(): void {
    for (const release of this.#releases.splice(0)) release();
  }
}

let dir: string;
let store: TaskStore;
let storage: BlobStorage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-worker-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  await store.insertKey(makeKey(1));
});
afterEach(async () => {
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function routerWith(backend: Backend, slots = 2): BackendRouter {
  return new BackendRouter({
    routes: new Map([[MODEL, ['local']]]),
    backends: new Map([['local', { backend, slots: new SlotLimiter(slots), breaker: null }]]),
    store,
  });
}

async function storedTask(inputs = true): Promise<StoredTask> {
  const task = makeTask('key_0001', { createdAt: new Date() });
  const keys = [`tasks/${task.id}/input-0.png`, `tasks/${task.id}/input-1.png`];
  if (inputs) {
    await storage.put(keys[0], (await keyframe(0)).bytes);
    await storage.put(keys[1], (await keyframe(4)).bytes);
  }
  const inserted = await store.insertTask({ ...task, inputKeys: keys });
  if (!inserted.inserted) throw new Error('expected an insert');
  return inserted.task;
}

function claimFor(worker: LocalWorker, now = new Date()): Promise<StoredTask | null> {
  return store.claimNextTask({ owner: worker.owner, leaseMs: 60_000, now, includeOffPeak: true });
}

async function timers(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

describe('the worker', () => {
  it('lets a run that lost its lease delete only its own outputs, never the completing run’s', async () => {
    const backend = new GatedBackend(storage);
    const router = routerWith(backend);
    const first = new LocalWorker({ store, storage, router, leaseMs: 60_000 });
    const second = new LocalWorker({ store, storage, router, leaseMs: 60_000 });
    await storedTask();
    const running = first.runClaimed((await claimFor(first))!);
    await until(() => backend.runs.length === 1);
    // The first lease runs out (a stalled process) and the task goes to another worker, which completes it.
    await store.requeueExpiredLeases({ now: new Date(Date.now() + 120_000), maxAttempts: 3 });
    const again = (await claimFor(second))!;
    const finishing = second.runClaimed(again);
    await until(() => backend.runs.length === 2);
    backend.release();
    await Promise.all([running, finishing]);
    const [lost, won] = backend.runs.map((run) => run.outputKeys.video);
    expect(lost).not.toBe(won);
    const task = (await store.getTask(again.id))!;
    expect(task).toMatchObject({ status: 'completed', outputVideoKey: won });
    expect(await storage.stat(won)).toBeDefined();
    expect(await storage.stat(lost)).toBeUndefined();
  });

  it('fails a task whose inputs cannot be read, and leaves no heartbeat behind', async () => {
    const worker = new LocalWorker({
      store,
      storage,
      router: routerWith(new GatedBackend(storage)),
      leaseMs: 300,
    });
    await storedTask(false);
    const before = await timers();
    await worker.runClaimed((await claimFor(worker))!);
    expect(await timers()).toBe(before);
    const [task] = (await store.listTasks('key_0001', { limit: 1 })).tasks;
    expect(task).toMatchObject({ status: 'failed', errorCode: '002014012', leaseOwner: null });
    expect(task.errorMessage).toMatch(/^Video generation failed: /);
  });

  it('fails a task whose scratch folder cannot be made (mkdtemp), and leaves no heartbeat behind', async () => {
    const pool = new WorkerPool(1);
    const tmp = process.env.TMPDIR;
    try {
      const router = routerWith(new LocalBackend({ storage, pool }));
      const worker = new LocalWorker({ store, storage, router, leaseMs: 300 });
      const task = await storedTask();
      const claimed = (await claimFor(worker))!;
      const before = await timers();
      process.env.TMPDIR = join(dir, 'missing', 'folder');
      await worker.runClaimed(claimed);
      restore(tmp);
      expect(await timers()).toBe(before);
      const failed = (await store.getTask(task.id))!;
      expect(failed).toMatchObject({ status: 'failed', errorCode: '002014012', leaseOwner: null });
      expect(failed.errorMessage).toContain('ENOENT');
    } finally {
      restore(tmp);
      await pool.close();
    }
  });

  it('on stop, lets a running task finish within the grace period', async () => {
    const backend = new GatedBackend(storage);
    const worker = new LocalWorker({ store, storage, router: routerWith(backend), pollMs: 20 });
    const task = await storedTask();
    worker.start();
    await until(() => backend.runs.length === 1);
    setTimeout(() => backend.release(), 200);
    await worker.stop(10_000);
    expect(await store.getTask(task.id)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('on stop, hands a task still running after the grace period back without counting the attempt', async () => {
    const backend = new GatedBackend(storage);
    const worker = new LocalWorker({ store, storage, router: routerWith(backend), pollMs: 20 });
    const task = await storedTask();
    worker.start();
    await until(() => backend.runs.length === 1);
    await worker.stop(50);
    expect(await store.getTask(task.id)).toMatchObject({ status: 'pending', attempts: 0, leaseOwner: null });
    expect(await storage.stat(backend.runs[0].outputKeys.video)).toBeUndefined();
  });

  it('decodes with INBETWEEN_MAX_IMAGE_PIXELS too, so a stored image past the limit fails the render', async () => {
    const pool = new WorkerPool(1);
    try {
      const backend = new LocalBackend({ storage, pool, maxImagePixels: 1000 });
      const worker = new LocalWorker({ store, storage, router: routerWith(backend) });
      const task = await storedTask();
      await worker.runClaimed((await claimFor(worker))!);
      const failed = (await store.getTask(task.id))!;
      expect(failed.status).toBe('failed');
      expect(failed.errorMessage).toContain('more than the 1,000 pixels allowed');
    } finally {
      await pool.close();
    }
  });
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function restore(tmp: string | undefined): void {
  if (tmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = tmp;
}
