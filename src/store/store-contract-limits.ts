import { describe, expect, it } from 'vitest';
import { at, makeKey, makeTask, type StoreTestContext } from './store-test-fixtures.js';
import type { InsertLimits, InsertTaskResult } from './task-store.js';

const A = 'key_0001';
const B = 'key_0002';

/**
 * The limits half of the store contract: `insertTask` refuses past a key's unfinished-task limit and past the
 * queue limit, counted in the insert's own transaction, so a burst of inserts fired together cannot overshoot.
 */
export function describeLimitsContract(ctx: StoreTestContext): void {
  const { insert, claim } = ctx;

  function insertWith(keyId: string, limits: InsertLimits, createdAt = at(0)): Promise<InsertTaskResult> {
    return ctx.store.insertTask(makeTask(keyId, { createdAt }), { limits });
  }

  describe('insert limits', () => {
    it("refuses past a key's unfinished tasks, counting pending and processing only", async () => {
      const first = await insert(A, { createdAt: at(1) });
      await insert(A, { createdAt: at(2) });
      await claim('w1', at(10));
      expect(await insertWith(A, { maxActiveTasks: 2 })).toEqual({
        inserted: false,
        limitReached: { limit: 'active_tasks', count: 2, max: 2 },
      });
      // Another key has its own count.
      expect((await insertWith(B, { maxActiveTasks: 2 })).inserted).toBe(true);
      await ctx.store.completeTask(first.id, 'w1', { videoKey: 'v', coverKey: null, duration: 5 }, at(20));
      expect((await insertWith(A, { maxActiveTasks: 2 })).inserted).toBe(true);
      expect(await ctx.store.countByStatus()).toMatchObject({ pending: 3, completed: 1 });
    });

    it('refuses past the queue limit, counting pending tasks of every key', async () => {
      await insert(A, { createdAt: at(1) });
      await insert(B, { createdAt: at(2) });
      expect(await insertWith(A, { maxQueue: 2 })).toEqual({
        inserted: false,
        limitReached: { limit: 'queue', count: 2, max: 2 },
      });
      await claim('w1', at(10));
      expect((await insertWith(B, { maxQueue: 2 })).inserted).toBe(true);
      expect(await ctx.store.queueDepth()).toBe(2);
    });

    it('answers a repeated idempotency key even at the limit, and checks limits before the balance', async () => {
      const idempotency = { key: 'again', requestHash: 'h' };
      const first = await ctx.store.insertTask(makeTask(A), { idempotency });
      if (!first.inserted) throw new Error('expected an insert');
      const again = await ctx.store.insertTask(makeTask(A), { idempotency, limits: { maxActiveTasks: 1 } });
      expect(again).toEqual({ inserted: false, existing: first.task });

      await ctx.store.insertKey(makeKey(3, { balanceMicros: 0 }));
      const poor = await ctx.store.insertTask(makeTask(makeKey(3).id), { limits: { maxQueue: 1 } });
      expect(poor).toMatchObject({ inserted: false, limitReached: { limit: 'queue' } });
      expect((await ctx.store.getKey(makeKey(3).id))?.balanceMicros).toBe(0);
    });

    it('lets exactly the limit through when a burst of inserts races it', async () => {
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) => insertWith(A, { maxActiveTasks: 3, maxQueue: 5 }, at(i))),
      );
      expect(burst.filter((result) => result.inserted)).toHaveLength(3);
      expect(
        burst.filter((result) => !result.inserted && result.limitReached?.limit === 'active_tasks'),
      ).toHaveLength(9);
      const mixed = await Promise.all(
        Array.from({ length: 12 }, (_, i) => insertWith(i % 2 ? A : B, { maxQueue: 5 }, at(100 + i))),
      );
      expect(mixed.filter((result) => result.inserted)).toHaveLength(2);
      expect(await ctx.store.queueDepth()).toBe(5);
    });
  });
}
