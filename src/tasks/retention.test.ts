import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalFolderStorage, type BlobStorage } from '../storage/index.js';
import { openSqliteStore, type TaskStore } from '../store/index.js';
import { makeKey, makeTask, T0 } from '../store/store-test-fixtures.js';
import { sweepFinishedTasks, sweepOrphanedBlobs } from './retention.js';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-retention-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: dir });
});
afterEach(async () => {
  await store.close();
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

/** A task that ran to completion at `T0 + 1 s`, with its input and outputs in storage. */
async function finishedTask(id: string): Promise<void> {
  const key = makeKey(Number(id.replace(/\D/g, '')) || 1);
  if (!(await store.getKey(key.id))) await store.insertKey(key);
  await store.insertTask(
    makeTask(key.id, { id, inputKeys: [`tasks/${id}/input-0.png`], createdAt: T0, callbackUrl: null }),
  );
  await storage.put(`tasks/${id}/input-0.png`, new Uint8Array([1]));
  await storage.put(`tasks/${id}/video.mp4`, new Uint8Array([2]));
  const claimed = await store.claimNextTask({ owner: 'w', leaseMs: 60_000, now: T0, includeOffPeak: true });
  expect(claimed?.id).toBe(id);
  await store.completeTask(
    id,
    'w',
    { videoKey: `tasks/${id}/video.mp4`, coverKey: null, duration: 1 },
    new Date(T0.getTime() + 1000),
  );
}

describe('sweepFinishedTasks', () => {
  it('removes finished tasks past retention with their files, and keeps the rest', async () => {
    await finishedTask('task_1');
    const day = 24 * 3600 * 1000;
    expect(
      await sweepFinishedTasks({ store, storage, retentionMs: day }, new Date(T0.getTime() + day / 2)),
    ).toEqual({
      tasks: 0,
      blobs: 0,
    });
    expect(await store.getTask('task_1')).not.toBeNull();
    expect(
      await sweepFinishedTasks({ store, storage, retentionMs: day }, new Date(T0.getTime() + 2 * day)),
    ).toEqual({
      tasks: 1,
      blobs: 2,
    });
    expect(await store.getTask('task_1')).toBeNull();
    expect(await storage.stat('tasks/task_1/video.mp4')).toBeUndefined();
    expect(await storage.stat('tasks/task_1/input-0.png')).toBeUndefined();
  });
});

/** Makes a stored blob look written `ms` ago. */
async function age(key: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(join(dir, ...key.split('/')), then, then);
}

async function keys(): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of storage.list()) found.push(blob.key);
  return found;
}

describe('sweepOrphanedBlobs', () => {
  const HOUR = 3_600_000;

  it('removes the blobs a failed delete left behind once their rows were gone', async () => {
    await finishedTask('task_1');
    // The blob store fails the delete after retention removed the row: without the sweep the files leak.
    const failing: BlobStorage = {
      ...storage,
      deleteMany: () => Promise.reject(new Error('storage unreachable')),
    };
    const later = new Date(T0.getTime() + 2 * 24 * HOUR);
    await expect(
      sweepFinishedTasks({ store, storage: failing, retentionMs: 24 * HOUR }, later),
    ).rejects.toThrow('storage unreachable');
    expect(await store.getTask('task_1')).toBeNull();
    expect(await keys()).toEqual(['tasks/task_1/input-0.png', 'tasks/task_1/video.mp4']);
    for (const key of await keys()) await age(key, 2 * HOUR);

    expect(await sweepOrphanedBlobs({ store, storage })).toEqual({ blobs: 2 });
    expect(await keys()).toEqual([]);
  });

  it('keeps the blobs of live tasks, of a task being created and outside tasks/', async () => {
    await finishedTask('task_2');
    // A task being created: its input is stored, its row not inserted yet.
    await storage.put('tasks/task_new/input-0.png', new Uint8Array([3]));
    await storage.put('tasks/task_dead/input-0.png', new Uint8Array([4]));
    await storage.put('exports/report.bin', new Uint8Array([5]));
    await storage.put('tasks/loose.bin', new Uint8Array([6]));
    for (const key of ['tasks/task_2/input-0.png', 'tasks/task_2/video.mp4', 'tasks/task_dead/input-0.png'])
      await age(key, 2 * HOUR);
    await age('exports/report.bin', 100 * HOUR);
    await age('tasks/loose.bin', 100 * HOUR);

    expect(await sweepOrphanedBlobs({ store, storage, orphanGraceMs: HOUR })).toEqual({ blobs: 1 });
    expect(await keys()).toEqual([
      'exports/report.bin',
      'tasks/loose.bin',
      'tasks/task_2/input-0.png',
      'tasks/task_2/video.mp4',
      'tasks/task_new/input-0.png',
    ]);
    // Past the grace period the unfinished create is garbage too.
    await age('tasks/task_new/input-0.png', 2 * HOUR);
    expect(await sweepOrphanedBlobs({ store, storage, orphanGraceMs: HOUR })).toEqual({ blobs: 1 });
    expect(await storage.stat('tasks/task_new/input-0.png')).toBeUndefined();
  });

  it('asks the store in batches and survives many orphans', async () => {
    for (let i = 0; i < 1_200; i++) {
      const key = `tasks/task_${String(i).padStart(5, '0')}/input-0.png`;
      await storage.put(key, new Uint8Array([i % 256]));
      await age(key, 2 * HOUR);
    }
    let asked = 0;
    const counting = new Proxy(store, {
      get(target, name, self) {
        if (name === 'existingTaskIds') {
          return (ids: string[]) => {
            asked += 1;
            expect(ids.length).toBeLessThanOrEqual(500);
            return target.existingTaskIds(ids);
          };
        }
        const value = Reflect.get(target, name, self) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(await sweepOrphanedBlobs({ store: counting, storage })).toEqual({ blobs: 1_200 });
    expect(asked).toBe(3);
    expect(await keys()).toEqual([]);
  });
});
