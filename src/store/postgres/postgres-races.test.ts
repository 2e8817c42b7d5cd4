import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { at, makeKey, makeTask } from '../store-test-fixtures.js';
import type { StoredTask } from '../task-store.js';
import {
  createTestDatabase,
  freshSchema,
  skipWithoutPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
} from './pg-test-database.js';
import {
  openPostgresStore,
  type PostgresStoreOptions,
  type PostgresTaskStore,
} from './postgres-task-store.js';

// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skip = await skipWithoutPostgres();

const COST = 700_000;
const OUTPUT = { videoKey: 'v.mp4', coverKey: null, duration: 5 };
const A = makeKey(1).id;

/** Several stores, each with a pool of its own, as separate processes would have, on one schema. */
describe.skipIf(skip)(
  `postgres stores racing (else: PostgreSQL at ${TEST_DATABASE_URL} not reachable)`,
  () => {
    let database: TestDatabase;
    let schema: string;
    let stores: PostgresTaskStore[];

    async function open(options: PostgresStoreOptions = {}): Promise<PostgresTaskStore> {
      const store = await openPostgresStore(database.url, { schema, maxConnections: 4, ...options });
      stores.push(store);
      return store;
    }

    async function several(count: number): Promise<PostgresTaskStore[]> {
      return Promise.all(Array.from({ length: count }, () => open()));
    }

    async function seed(store: PostgresTaskStore, count: number, keyId = A): Promise<StoredTask[]> {
      const tasks: StoredTask[] = [];
      for (let i = 0; i < count; i++) {
        const result = await store.insertTask(makeTask(keyId, { createdAt: at(i) }));
        if (!result.inserted) throw new Error('expected an insert');
        tasks.push(result.task);
      }
      return tasks;
    }

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });
    beforeEach(async () => {
      schema = freshSchema();
      stores = [];
      await (await open()).insertKey(makeKey(1));
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });

    it('never gives one task to two workers', async () => {
      const [first, ...rest] = await several(6);
      const tasks = await seed(first, 60);
      const claimed = await Promise.all(
        [first, ...rest].map(async (store, n) => {
          const mine: string[] = [];
          for (;;) {
            const task = await store.claimNextTask({
              owner: `w${n}`,
              leaseMs: 60_000,
              now: at(100),
              includeOffPeak: true,
            });
            if (!task) return mine;
            mine.push(task.id);
          }
        }),
      );
      const all = claimed.flat();
      expect(all).toHaveLength(60);
      expect(new Set(all)).toEqual(new Set(tasks.map((task) => task.id)));
      // Several workers got some: the claims did overlap.
      expect(claimed.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
      expect(await first.countByStatus()).toMatchObject({ pending: 0, processing: 60 });
    });

    it('lets exactly one of a cancel and a complete win, with one charge or one refund', async () => {
      const [worker, api] = await several(2);
      const key = makeKey(3, { balanceMicros: 30 * COST });
      await worker.insertKey(key);
      const tasks = await seed(worker, 30, key.id);
      for (let i = 0; i < 30; i++)
        await worker.claimNextTask({ owner: 'w', leaseMs: 60_000, now: at(100), includeOffPeak: true });
      const outcomes = await Promise.all(
        tasks.map(async (task) => {
          const [completed, cancelled] = await Promise.all([
            worker.completeTask(task.id, 'w', OUTPUT, at(200)),
            api.cancelTask(task.id, key.id, at(200)),
          ]);
          return { task, completed, cancelled };
        }),
      );
      for (const { completed, cancelled } of outcomes) {
        expect([completed.ok, cancelled.ok].filter(Boolean)).toHaveLength(1);
        if (!completed.ok) expect(completed.reason).toBe('lease_lost');
        if (!cancelled.ok) expect(cancelled.reason).toBe('not_cancellable');
      }
      const wonByCancel = outcomes.filter((o) => o.cancelled.ok).length;
      const ledger = await api.listLedger(key.id, { limit: 1000 });
      expect(ledger.filter((e) => e.kind === 'refund')).toHaveLength(wonByCancel);
      expect(ledger.filter((e) => e.kind === 'charge')).toHaveLength(30 - wonByCancel);
      expect((await api.getKey(key.id))?.balanceMicros).toBe(wonByCancel * COST);
      for (const { task } of outcomes.slice(0, 5)) {
        // pending, processing and exactly one final callback.
        expect((await api.listDeliveries(task.id)).map((d) => d.event)).toHaveLength(3);
      }
      expect(await api.auditLedger()).toEqual({ balanced: true, problems: [] });
    });

    it('never holds more than the balance when many creates race for it', async () => {
      const many = await several(4);
      const key = makeKey(3, { balanceMicros: 5 * COST + COST - 1 });
      await many[0].insertKey(key);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          many[i % many.length].insertTask(makeTask(key.id, { createdAt: at(i) })),
        ),
      );
      expect(results.filter((r) => r.inserted)).toHaveLength(5);
      expect(results.filter((r) => !r.inserted && r.insufficientBalance)).toHaveLength(35);
      expect((await many[1].getKey(key.id))?.balanceMicros).toBe(COST - 1);
      // Top-ups racing holds land too.
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => many[i % 4].topUpKey(key.id, COST, at(100 + i))),
        ...Array.from({ length: 10 }, (_, i) =>
          many[(i + 1) % 4].insertTask(makeTask(key.id, { createdAt: at(200 + i) })),
        ),
      ]);
      const account = await many[2].getKeyAccount(key.id);
      expect(account?.balanceMicros).toBeGreaterThanOrEqual(0);
      expect(account?.toppedUpMicros).toBe(5 * COST + COST - 1 + 10 * COST);
      expect(await many[3].auditLedger()).toEqual({ balanced: true, problems: [] });
    });

    it('keeps the unfinished-task and queue limits when processes race them', async () => {
      const many = await several(4);
      await many[0].insertKey(makeKey(2));
      const burst = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          many[i % 4].insertTask(makeTask(A, { createdAt: at(i) }), {
            limits: { maxActiveTasks: 3, maxQueue: 7 },
          }),
        ),
      );
      expect(burst.filter((r) => r.inserted)).toHaveLength(3);
      const mixed = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          many[i % 4].insertTask(makeTask(i % 2 ? A : makeKey(2).id, { createdAt: at(100 + i) }), {
            limits: { maxQueue: 7 },
          }),
        ),
      );
      expect(mixed.filter((r) => r.inserted)).toHaveLength(4);
      expect(await many[0].queueDepth()).toBe(7);
    });

    it('leases each due callback to one dispatcher at a time', async () => {
      const many = await several(5);
      await seed(many[0], 40);
      const leased = await Promise.all(
        many.map(async (store, n) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await store.claimDueDeliveries({
              owner: `d${n}`,
              limit: 3,
              leaseMs: 60_000,
              now: at(1000),
            });
            if (batch.length === 0) return mine;
            mine.push(...batch.map((delivery) => delivery.id));
          }
        }),
      );
      expect(leased.flat()).toHaveLength(40);
      expect(new Set(leased.flat()).size).toBe(40);
      expect(await many[0].countDeliveriesByState()).toEqual({ pending: 40, delivered: 0, failed: 0 });
    });

    it('requeues each expired lease once when several processes sweep together', async () => {
      const many = await several(4);
      await seed(many[0], 20);
      for (let i = 0; i < 20; i++)
        await many[0].claimNextTask({ owner: 'w', leaseMs: 1000, now: at(0), includeOffPeak: true });
      const sweeps = await Promise.all(
        many.map((store) => store.requeueExpiredLeases({ now: at(5000), maxAttempts: 3 })),
      );
      const requeued = sweeps.flatMap((sweep) => sweep.requeued.map((task) => task.id));
      expect(requeued).toHaveLength(20);
      expect(new Set(requeued).size).toBe(20);
      expect(await many[0].countByStatus()).toMatchObject({ pending: 20, processing: 0 });
    });

    it('runs the insert hook on the insert transaction: the job exists exactly when the task does', async () => {
      const admin = await open();
      await admin.pool.query('CREATE TABLE jobs (task_id TEXT PRIMARY KEY)');
      const seen: string[] = [];
      const store = await open({
        onInsertInTransaction: async (client, task) => {
          await client.query('INSERT INTO jobs (task_id) VALUES ($1)', [task.id]);
          if (task.costMicros === 1) throw new Error('queue refused the job');
        },
        onRequeueInTransaction: async (client, task) => {
          seen.push(task.id);
          await client.query('INSERT INTO jobs (task_id) VALUES ($1) ON CONFLICT DO NOTHING', [task.id]);
        },
      });
      const key = makeKey(3, { balanceMicros: 2 * COST });
      await store.insertKey(key);
      const kept = makeTask(key.id);
      expect((await store.insertTask(kept)).inserted).toBe(true);
      const refused = makeTask(key.id, { costMicros: 1 });
      await expect(store.insertTask(refused)).rejects.toThrow(/queue refused the job/);
      expect(await store.getTask(refused.id)).toBeNull();
      expect((await store.getKey(key.id))?.balanceMicros).toBe(COST);
      const jobs = await admin.pool.query<{ task_id: string }>('SELECT task_id FROM jobs');
      expect(jobs.rows.map((row) => row.task_id)).toEqual([kept.id]);

      await store.claimNextTask({ owner: 'w', leaseMs: 1000, now: at(0), includeOffPeak: true });
      await store.requeueExpiredLeases({ now: at(5000), maxAttempts: 3 });
      expect(seen).toEqual([kept.id]);
      expect(await store.auditLedger()).toEqual({ balanced: true, problems: [] });
    });
  },
);
