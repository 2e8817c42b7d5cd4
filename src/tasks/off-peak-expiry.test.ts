import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type TaskStore } from '../store/index.js';
import { makeKey, makeTask, T0 } from '../store/store-test-fixtures.js';
import { expireOffPeakTasks, OFF_PEAK_MAX_WAIT_MS } from './off-peak-expiry.js';

let store: TaskStore;
beforeEach(async () => {
  store = await openSqliteStore({ path: ':memory:' });
  await store.insertKey(makeKey(1));
});
afterEach(async () => {
  await store.close();
});

describe('expireOffPeakTasks', () => {
  it('fails off-peak tasks not started within 48 h, and nothing else', async () => {
    const keyId = makeKey(1).id;
    await store.insertTask(makeTask(keyId, { id: 'task_offpeak', offPeak: true, createdAt: T0 }));
    await store.insertTask(makeTask(keyId, { id: 'task_normal', offPeak: false, createdAt: T0 }));
    await store.insertTask(
      makeTask(keyId, { id: 'task_recent', offPeak: true, createdAt: new Date(T0.getTime() + 3_600_000) }),
    );
    expect(await expireOffPeakTasks(store, new Date(T0.getTime() + OFF_PEAK_MAX_WAIT_MS - 1))).toEqual([]);
    const expired = await expireOffPeakTasks(store, new Date(T0.getTime() + OFF_PEAK_MAX_WAIT_MS + 1));
    expect(expired.map((t) => t.id)).toEqual(['task_offpeak']);
    const task = await store.getTask('task_offpeak');
    expect(task).toMatchObject({ status: 'failed', errorCode: 'off_peak_expired' });
    expect(task?.errorMessage).toMatch(/48 h/);
    expect((await store.getTask('task_normal'))?.status).toBe('pending');
    expect((await store.getTask('task_recent'))?.status).toBe('pending');
  });
});
