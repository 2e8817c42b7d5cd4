import { describe, expect, it } from 'vitest';
import { at, type StoreTestContext } from './store-test-fixtures.js';

const A = 'key_0001';
const OUTPUT = { videoKey: 'v', coverKey: null, duration: 5 };

/**
 * The callback half of the store contract: every status change of a task with a callback URL leaves one
 * delivery in the outbox with the task as it was, and deliveries are leased, retried and logged.
 */
export function describeOutboxContract(ctx: StoreTestContext): void {
  const { insert, claim, lease: LEASE } = ctx;

  async function claimDue(owner: string, now: Date) {
    return ctx.store.claimDueDeliveries({ owner, now, leaseMs: 10_000, limit: 10 });
  }

  function attempt(deliveryId: string, n: number, startedAt: Date, httpStatus: number | null) {
    return {
      deliveryId,
      attempt: n,
      startedAt,
      durationMs: 5,
      httpStatus,
      error: httpStatus === 200 ? null : 'no',
    };
  }

  describe('callback outbox', () => {
    it('writes one delivery per status change, with the task as it was then', async () => {
      const task = await insert(A, { createdAt: at(0) });
      await claim('w1', at(10));
      await ctx.store.heartbeat(task.id, 'w1', { leaseMs: LEASE, now: at(20), progress: 0.5 });
      await ctx.store.completeTask(task.id, 'w1', OUTPUT, at(30));
      const log = await ctx.store.listDeliveries(task.id);
      expect(log.map((d) => [d.event, d.task.status, d.url, d.state])).toEqual([
        ['pending', 'pending', 'https://example.com/hook', 'pending'],
        ['processing', 'processing', 'https://example.com/hook', 'pending'],
        ['completed', 'completed', 'https://example.com/hook', 'pending'],
      ]);
      expect(log[2].task.outputVideoKey).toBe('v');
      expect(new Set(log.map((d) => d.id)).size).toBe(3);
      expect(log.every((d) => /^msg_[\w-]{20,}$/.test(d.id))).toBe(true);

      const quiet = await insert(A, { callbackUrl: null });
      await ctx.store.cancelTask(quiet.id, A, at(40));
      expect(await ctx.store.listDeliveries(quiet.id)).toEqual([]);
    });

    it("keeps a task's sealed signing key on its callback rows only until each ends, and off the final task", async () => {
      const task = await insert(A, { createdAt: at(0), callbackSigningKey: 'v1.sealed' });
      expect((await ctx.store.getTask(task.id))?.callbackSigningKey).toBe('v1.sealed');
      await claim('w1', at(10));
      await ctx.store.completeTask(task.id, 'w1', OUTPUT, at(30));
      // The final task no longer holds it; every callback row, the final one included, still does.
      expect((await ctx.store.getTask(task.id))?.callbackSigningKey).toBeNull();
      const log = await ctx.store.listDeliveries(task.id);
      expect(log.map((d) => d.signingKey)).toEqual(['v1.sealed', 'v1.sealed', 'v1.sealed']);
      // Snapshots of the task never carry it.
      expect(log.map((d) => d.task.callbackSigningKey)).toEqual([null, null, null]);
      const due = await claimDue('d1', at(40));
      const [delivered, retried, givenUp] = due;
      const outcome = (id: string, n: number, status: number, next: Date | null) => ({
        attempt: attempt(id, n, at(41), status),
        payload: '{}',
        delivered: status === 200,
        nextAttemptAt: next,
      });
      await ctx.store.recordDeliveryAttempt(delivered.id, 'd1', outcome(delivered.id, 1, 200, null));
      await ctx.store.recordDeliveryAttempt(retried.id, 'd1', outcome(retried.id, 1, 500, at(60)));
      await ctx.store.recordDeliveryAttempt(givenUp.id, 'd1', outcome(givenUp.id, 1, 500, null));
      const after = new Map((await ctx.store.listDeliveries(task.id)).map((d) => [d.id, d]));
      expect(after.get(delivered.id)?.signingKey).toBeNull();
      expect(after.get(retried.id)?.signingKey).toBe('v1.sealed');
      expect(after.get(givenUp.id)?.signingKey).toBeNull();
      // Tasks without one have none anywhere.
      const plain = await insert(A);
      expect((await ctx.store.listDeliveries(plain.id)).map((d) => d.signingKey)).toEqual([null]);
    });

    it('leases due deliveries to one dispatcher at a time, and again once the lease runs out', async () => {
      const task = await insert(A, { createdAt: at(0) });
      const [first, second] = await Promise.all([claimDue('d1', at(1)), claimDue('d2', at(1))]);
      expect([...first, ...second].map((d) => d.taskId)).toEqual([task.id]);
      expect(await claimDue('d3', at(5_000))).toEqual([]);
      const again = await claimDue('d3', at(20_000));
      expect(again.map((d) => d.taskId)).toEqual([task.id]);
      // The first owner lost it: its late result is refused.
      const id = again[0].id;
      const late = {
        attempt: attempt(id, 1, at(1), 200),
        payload: '{}',
        delivered: true,
        nextAttemptAt: null,
      };
      expect(await ctx.store.recordDeliveryAttempt(id, first[0]?.id === id ? 'd1' : 'd2', late)).toBe(false);
    });

    it('keeps the first payload, schedules retries, and logs every attempt', async () => {
      const task = await insert(A, { createdAt: at(0) });
      const [delivery] = await claimDue('d1', at(1));
      expect(
        await ctx.store.recordDeliveryAttempt(delivery.id, 'd1', {
          attempt: attempt(delivery.id, 1, at(1), 500),
          payload: '{"first":true}',
          delivered: false,
          nextAttemptAt: at(5_001),
        }),
      ).toBe(true);
      expect(await claimDue('d1', at(5_000))).toEqual([]);
      const [retry] = await claimDue('d1', at(5_001));
      expect(retry).toMatchObject({
        id: delivery.id,
        attempts: 1,
        payload: '{"first":true}',
        lastStatus: 500,
      });
      await ctx.store.recordDeliveryAttempt(delivery.id, 'd1', {
        attempt: attempt(delivery.id, 2, at(5_001), 200),
        payload: '{"second":true}',
        delivered: true,
        nextAttemptAt: null,
      });
      const [log] = await ctx.store.listDeliveries(task.id);
      expect(log).toMatchObject({
        state: 'delivered',
        attempts: 2,
        payload: '{"first":true}',
        deliveredAt: at(5_006),
        nextAttemptAt: null,
        lastStatus: 200,
      });
      expect(log.attemptLog.map((a) => [a.attempt, a.httpStatus])).toEqual([
        [1, 500],
        [2, 200],
      ]);
      expect(await claimDue('d1', at(100_000))).toEqual([]);
    });

    it('gives up when no retry is scheduled', async () => {
      const task = await insert(A, { createdAt: at(0) });
      const [delivery] = await claimDue('d1', at(1));
      await ctx.store.recordDeliveryAttempt(delivery.id, 'd1', {
        attempt: attempt(delivery.id, 1, at(1), null),
        payload: '{}',
        delivered: false,
        nextAttemptAt: null,
      });
      expect((await ctx.store.listDeliveries(task.id))[0]).toMatchObject({
        state: 'failed',
        nextAttemptAt: null,
      });
      expect(await ctx.store.countDeliveriesByState()).toEqual({ pending: 0, delivered: 0, failed: 1 });
      expect(await claimDue('d1', at(1_000_000))).toEqual([]);
    });

    it('renews a lease only for its owner and only while it holds', async () => {
      await insert(A, { createdAt: at(0) });
      const [delivery] = await claimDue('d1', at(1));
      expect(await ctx.store.renewDeliveryLease(delivery.id, 'd2', at(2), at(50_000))).toBe(false);
      expect(await ctx.store.renewDeliveryLease(delivery.id, 'd1', at(2), at(50_000))).toBe(true);
      // Renewed past the claim's 10 s: nobody else may take it at 20 s.
      expect(await claimDue('d2', at(20_000))).toEqual([]);
      // Once it has run out, another dispatcher claims it and the first may not renew it back.
      expect((await claimDue('d2', at(60_000))).map((d) => d.id)).toEqual([delivery.id]);
      expect(await ctx.store.renewDeliveryLease(delivery.id, 'd1', at(60_001), at(90_000))).toBe(false);
    });

    it('keeps the first body of a delivery, only for the lease owner while it holds', async () => {
      await insert(A, { createdAt: at(0) });
      const [delivery] = await claimDue('d1', at(1));
      expect(delivery.payload).toBeNull();
      expect(await ctx.store.keepDeliveryPayload(delivery.id, 'd2', at(2), '{"b":2}')).toBeNull();
      expect(await ctx.store.keepDeliveryPayload(delivery.id, 'd1', at(2), '{"a":1}')).toBe('{"a":1}');
      // A second rendering does not replace the kept body; the body kept is what is sent.
      expect(await ctx.store.keepDeliveryPayload(delivery.id, 'd1', at(3), '{"a":2}')).toBe('{"a":1}');
      expect(await ctx.store.keepDeliveryPayload(delivery.id, 'd1', at(60_000), '{"a":3}')).toBeNull();
      // The next dispatcher claims it with the body the first one kept.
      const [again] = await claimDue('d2', at(60_000));
      expect(again.payload).toBe('{"a":1}');
    });

    it("deletes a task's deliveries with the task once none is still being tried, and keeps its ledger", async () => {
      const task = await insert(A, { createdAt: at(0) });
      await ctx.store.cancelTask(task.id, A, at(1));
      // Two callbacks still pending: retention leaves the task alone.
      expect((await ctx.store.deleteFinishedBefore(at(2))).taskIds).toEqual([]);
      for (const delivery of await claimDue('d1', at(2))) {
        await ctx.store.recordDeliveryAttempt(delivery.id, 'd1', {
          attempt: attempt(delivery.id, 1, at(2), 200),
          payload: '{}',
          delivered: true,
          nextAttemptAt: null,
        });
      }
      expect((await ctx.store.deleteFinishedBefore(at(3))).taskIds).toEqual([task.id]);
      expect(await ctx.store.listDeliveries(task.id)).toEqual([]);
      expect((await ctx.store.listLedger(A, { limit: 10 })).map((e) => e.kind)).toEqual(['refund', 'hold']);
      expect((await ctx.store.auditLedger()).balanced).toBe(true);
    });
  });
}
