import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalFolderStorage, type BlobStorage } from '../storage/index.js';
import { openSqliteStore, type TaskStore } from '../store/index.js';
import { makeKey, makeTask, T0 } from '../store/store-test-fixtures.js';
import { sweepFinishedTasks } from './retention.js';

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
