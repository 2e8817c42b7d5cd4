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
import { openPostgresStore, type PostgresTaskStore } from './postgres-task-store.js';

// Races on the store features ported from SQLite after the first PostgreSQL adapter (migrations 5 and later):
// several stores, each with a pool of its own as separate processes would have, on one schema.
// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skip = await skipWithoutPostgres();

const COST = 700_000;
const ERROR = { code: 'off_peak_expired', message: 'not started within 48 h' };

describe.skipIf(skip)(
  `postgres stores racing ported features (else: PostgreSQL at ${TEST_DATABASE_URL} not reachable)`,
  () => {
    let database: TestDatabase;
    let schema: string;
    let stores: PostgresTaskStore[];

    async function several(count: number): Promise<PostgresTaskStore[]> {
      const opened = await Promise.all(
        Array.from({ length: count }, () => openPostgresStore(database.url, { schema, maxConnections: 4 })),
      );
      stores.push(...opened);
      return opened;
    }

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });
    beforeEach(() => {
      schema = freshSchema();
      stores = [];
    });
    afterEach(async () => {
      await Promise.all(stores.map((store) => store.close()));
    });

    it('lets either a claim or the off-peak expiry take each task, the last callback keeping the sealed key', async () => {
      const [worker, sweeper, other] = await several(3);
      const key = makeKey(1, { balanceMicros: 20 * COST });
      await worker.insertKey(key);
      const tasks: StoredTask[] = [];
      for (let i = 0; i < 20; i++) {
        const result = await worker.insertTask(
          makeTask(key.id, { createdAt: at(i), offPeak: true, callbackSigningKey: `v1.sealed.${i}` }),
        );
        if (!result.inserted) throw new Error('expected an insert');
        tasks.push(result.task);
      }
      const claims = async (owner: string): Promise<string[]> => {
        const mine: string[] = [];
        for (;;) {
          const task = await worker.claimNextTask({
            owner,
            leaseMs: 60_000,
            now: at(100),
            includeOffPeak: true,
          });
          if (!task) return mine;
          mine.push(task.id);
        }
      };
      const [claimedA, claimedB, expiredA, expiredB] = await Promise.all([
        claims('w1'),
        claims('w2'),
        sweeper.expireOffPeakTasks({ createdBefore: at(1000), now: at(100), error: ERROR }),
        other.expireOffPeakTasks({ createdBefore: at(1000), now: at(100), error: ERROR }),
      ]);
      const claimed = new Set([...claimedA, ...claimedB]);
      const expired = new Set([...expiredA, ...expiredB].map((task) => task.id));
      expect(claimed.size + expired.size).toBe(20);
      expect([...claimed].filter((id) => expired.has(id))).toEqual([]);
      for (const [i, task] of tasks.entries()) {
        const now = await other.getTask(task.id);
        const events = (await other.listDeliveries(task.id)).map((d) => [d.event, d.signingKey]);
        if (expired.has(task.id)) {
          expect(now).toMatchObject({
            status: 'failed',
            errorCode: 'off_peak_expired',
            callbackSigningKey: null,
          });
          expect(events).toEqual([
            ['pending', `v1.sealed.${i}`],
            ['failed', `v1.sealed.${i}`],
          ]);
        } else {
          expect(now).toMatchObject({ status: 'processing', callbackSigningKey: `v1.sealed.${i}` });
          expect(events).toEqual([
            ['pending', `v1.sealed.${i}`],
            ['processing', `v1.sealed.${i}`],
          ]);
        }
      }
      // Each expired task refunded once; the claimed ones still held.
      expect((await other.getKey(key.id))?.balanceMicros).toBe(expired.size * COST);
      expect(await other.auditLedger()).toEqual({ balanced: true, problems: [] });
    });
  },
);
