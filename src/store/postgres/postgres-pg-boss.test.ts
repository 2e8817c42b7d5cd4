import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, makeTask } from '../store-test-fixtures.js';
import { transactionDb } from './pg-context.js';
import {
  createTestDatabase,
  freshSchema,
  skipWithoutPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
} from './pg-test-database.js';
import { openPostgresStore, type PostgresTaskStore } from './postgres-task-store.js';

// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skip = await skipWithoutPostgres();

// The hook the dispatch on pg-boss builds on: a job sent from the insert's transaction commits with the task or
// not at all. pg-boss runs here for real, on the same database, in a schema of its own.
describe.skipIf(skip)(
  `pg-boss send inside the insert (else: PostgreSQL at ${TEST_DATABASE_URL} not reachable)`,
  () => {
    let database: TestDatabase;
    let boss: PgBoss;
    let store: PostgresTaskStore;

    beforeAll(async () => {
      database = await createTestDatabase();
      boss = new PgBoss({
        connectionString: database.url,
        schema: 'pgboss',
        supervise: false,
        schedule: false,
      });
      boss.on('error', () => {});
      await boss.start();
      await boss.createQueue('tasks');
      store = await openPostgresStore(database.url, {
        schema: freshSchema(),
        onInsertInTransaction: async (client, task) => {
          await boss.send('tasks', { taskId: task.id }, { db: transactionDb(client) });
          if (task.costMicros === 1) throw new Error('refused after the send');
        },
      });
      await store.insertKey(makeKey(1));
    });
    afterAll(async () => {
      await store?.close();
      await boss?.stop({ graceful: false, wait: true });
      await database?.drop();
    });

    it('enqueues a job for an inserted task and none for a rolled-back insert', async () => {
      const kept = makeTask(makeKey(1).id);
      expect((await store.insertTask(kept)).inserted).toBe(true);
      const rolledBack = makeTask(makeKey(1).id, { costMicros: 1 });
      await expect(store.insertTask(rolledBack)).rejects.toThrow(/refused after the send/);
      // A repeated idempotency key inserts nothing, so it sends nothing either.
      const idempotency = { key: 'once', requestHash: 'h' };
      const first = makeTask(makeKey(1).id);
      await store.insertTask(first, { idempotency });
      expect((await store.insertTask(makeTask(makeKey(1).id), { idempotency })).inserted).toBe(false);

      const jobs = await boss.fetch<{ taskId: string }>('tasks', { batchSize: 10 });
      expect(jobs.map((job) => job.data.taskId).sort()).toEqual([kept.id, first.id].sort());
      expect(await store.getTask(rolledBack.id)).toBeNull();
    });
  },
);
