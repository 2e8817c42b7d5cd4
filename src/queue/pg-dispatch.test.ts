import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { at, makeKey, makeTask } from '../store/store-test-fixtures.js';
import {
  createTestDatabase,
  freshSchema,
  skipWithoutPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../store/postgres/pg-test-database.js';
import { openPostgresStore, type PostgresTaskStore } from '../store/postgres/index.js';
import { OFF_PEAK_QUEUE, PgBossQueue, RENDER_QUEUE } from './pg-boss-queue.js';
import { openPgTaskSignals } from './pg-task-signals.js';
import { withTaskSignals } from './signalling-store.js';
import type { TaskSignal, TaskSignals } from './task-signals.js';

// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skip = await skipWithoutPostgres();

describe.skipIf(skip)(`dispatch on pg-boss and LISTEN/NOTIFY (PostgreSQL at ${TEST_DATABASE_URL})`, () => {
  let database: TestDatabase;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A store whose inserts and requeues send their jobs in the same transaction, as a deployment opens it. */
  async function openDispatch(): Promise<{ store: PostgresTaskStore; queue: PgBossQueue; boss: string }> {
    const schema = freshSchema();
    const queue = await PgBossQueue.open({ url: database.url, schema: `boss_${schema}`, supervise: false });
    const store = await openPostgresStore(database.url, { schema, ...queue.storeHooks() });
    cleanup.push(
      () => queue.close(),
      () => store.close(),
    );
    await store.insertKey(makeKey(1));
    await store.insertKey(makeKey(2, { balanceMicros: 100 }));
    return { store, queue, boss: `boss_${schema}` };
  }

  it('sends a job with the insert; off-peak tasks to their own queue', async () => {
    const { store, queue } = await openDispatch();
    const normal = await store.insertTask(makeTask('key_0001'));
    const offPeak = await store.insertTask(makeTask('key_0001', { offPeak: true }));
    expect(await queue.depth()).toEqual({ normal: 1, offPeak: 1 });
    const job = await queue.fetch(RENDER_QUEUE);
    expect(job).toMatchObject({ queue: RENDER_QUEUE, taskId: normal.inserted && normal.task.id });
    expect(await queue.fetch(RENDER_QUEUE)).toBeNull();
    expect((await queue.fetch(OFF_PEAK_QUEUE))?.taskId).toBe(offPeak.inserted && offPeak.task.id);
  });

  it('sends no job for a refused insert, and a failed send inserts no task', async () => {
    const { store, queue, boss } = await openDispatch();
    const refused = await store.insertTask(makeTask('key_0002', { costMicros: 700_000 }));
    expect(refused).toMatchObject({ inserted: false, insufficientBalance: { balanceMicros: 100 } });
    expect(await queue.depth()).toEqual({ normal: 0, offPeak: 0 });

    // The queue gone (an operator dropped it): pg-boss inserts no job, the hook throws inside the insert's
    // transaction, and the task is rolled back with it rather than left pending with no job.
    await store.pool.query(`SELECT ${boss}.delete_queue($1)`, [RENDER_QUEUE]);
    const task = makeTask('key_0001');
    await expect(store.insertTask(task)).rejects.toThrow();
    expect(await store.getTask(task.id)).toBeNull();
  });

  it('requeues an expired lease with a new job; the old job finds its task taken and is dropped', async () => {
    const { store, queue } = await openDispatch();
    const inserted = await store.insertTask(makeTask('key_0001'));
    const id = inserted.inserted ? inserted.task.id : '';
    const first = await queue.fetch(RENDER_QUEUE);
    expect(await store.claimTask(id, { owner: 'w1', leaseMs: 1000, now: at(0) })).toMatchObject({
      attempts: 1,
    });
    await queue.complete(first!);
    // A second claim through a stale job changes nothing.
    expect(await store.claimTask(id, { owner: 'w2', leaseMs: 1000, now: at(10) })).toBeNull();

    const { requeued } = await store.requeueExpiredLeases({ now: at(5000), maxAttempts: 3 });
    expect(requeued.map((task) => task.id)).toEqual([id]);
    const second = await queue.fetch(RENDER_QUEUE);
    expect(second?.taskId).toBe(id);
    expect(second?.id).not.toBe(first?.id);
    expect(await store.claimTask(id, { owner: 'w2', leaseMs: 1000, now: at(6000) })).toMatchObject({
      attempts: 2,
      leaseOwner: 'w2',
    });
  });

  it('tells another process of changes at once, and keeps listening after its connection is killed', async () => {
    const { store } = await openDispatch();
    const connect = async (): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString: database.url, application_name: 'signals-test' });
      await client.connect();
      return client;
    };
    const api = await openPgTaskSignals({ pool: store.pool, connect });
    const workerSide = await openPgTaskSignals({ pool: store.pool, connect });
    cleanup.push(
      () => api.close(),
      () => workerSide.close(),
    );
    const heard = collect(workerSide);
    const signalling = withTaskSignals(store, api);

    const inserted = await signalling.insertTask(makeTask('key_0001'));
    const id = inserted.inserted ? inserted.task.id : '';
    await signalling.cancelTask(id, 'key_0001', at(1));
    await expect
      .poll(() => heard, { timeout: 10_000 })
      .toEqual([
        { kind: 'queued', taskId: id },
        { kind: 'cancelled', taskId: id },
      ]);
    // A refused change says nothing.
    await signalling.cancelTask(id, 'key_0001', at(2));

    // The listening session is killed (a failover, an idle timeout); it reconnects and hears again.
    await store.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'signals-test'`,
    );
    heard.length = 0;
    await expect
      .poll(
        async () => {
          api.publish({ kind: 'changed', taskId: 'task_after' });
          await new Promise((resolve) => setTimeout(resolve, 200));
          return heard.some((signal) => signal.taskId === 'task_after');
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(true);
    expect(heard.every((signal) => signal.taskId === 'task_after')).toBe(true);
  });
});

function collect(signals: TaskSignals): TaskSignal[] {
  const heard: TaskSignal[] = [];
  signals.subscribe((signal) => heard.push(signal));
  return heard;
}
