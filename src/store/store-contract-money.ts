import { describe, expect, it } from 'vitest';
import { at, makeKey, makeTask, type StoreTestContext } from './store-test-fixtures.js';
import type { LedgerKind } from './ledger.js';

const A = 'key_0001';
const COST = 700_000;
const ERROR = { code: '002014012', message: 'render failed' };

/**
 * The money half of the store contract: a limited key's balance moves only through the ledger, every task is
 * held once at create and then charged or refunded exactly once, and the audit agrees after every path.
 */
export function describeMoneyContract(ctx: StoreTestContext): void {
  const { insert, claim, lease: LEASE } = ctx;
  const LIMITED = makeKey(3, { balanceMicros: 2_000_000 }).id;

  async function limitedKey(balanceMicros = 2_000_000): Promise<void> {
    await ctx.store.insertKey(makeKey(3, { balanceMicros }));
  }

  async function balance(): Promise<number | null | undefined> {
    return (await ctx.store.getKey(LIMITED))?.balanceMicros;
  }

  async function kinds(keyId = LIMITED): Promise<[LedgerKind, number, string | null][]> {
    const entries = await ctx.store.listLedger(keyId, { limit: 100 });
    return entries.reverse().map((entry) => [entry.kind, entry.amountMicros, entry.taskId]);
  }

  async function expectBalanced(): Promise<void> {
    expect(await ctx.store.auditLedger()).toEqual({ balanced: true, problems: [] });
  }

  describe('ledger', () => {
    it('holds the cost at create and charges it on completion, once', async () => {
      await limitedKey();
      const task = await insert(LIMITED);
      expect(await balance()).toBe(2_000_000 - COST);
      await claim('w1', at(10));
      await ctx.store.completeTask(task.id, 'w1', { videoKey: 'v', coverKey: null, duration: 5 }, at(20));
      expect(
        await ctx.store.completeTask(task.id, 'w1', { videoKey: 'v', coverKey: null, duration: 5 }, at(30)),
      ).toMatchObject({ ok: false });
      expect(await balance()).toBe(2_000_000 - COST);
      expect(await kinds()).toEqual([
        ['top_up', 2_000_000, null],
        ['hold', COST, task.id],
        ['charge', COST, task.id],
      ]);
      expect(await ctx.store.getKeyAccount(LIMITED)).toEqual({
        keyId: LIMITED,
        balanceMicros: 2_000_000 - COST,
        heldMicros: 0,
        spentMicros: COST,
        refundedMicros: 0,
        toppedUpMicros: 2_000_000,
        creditedMicros: 0,
        debitedMicros: 0,
      });
      await expectBalanced();
    });

    it('refunds a failed, a cancelled and an expired task exactly once', async () => {
      await limitedKey();
      const failed = await insert(LIMITED, { createdAt: at(1) });
      const cancelled = await insert(LIMITED, { createdAt: at(2) });
      expect(await balance()).toBe(2_000_000 - 2 * COST);
      await claim('w1', at(10));
      expect((await ctx.store.failTask(failed.id, 'w1', ERROR, at(20))).ok).toBe(true);
      expect((await ctx.store.failTask(failed.id, null, ERROR, at(21))).ok).toBe(false);
      expect((await ctx.store.cancelTask(cancelled.id, LIMITED, at(22))).ok).toBe(true);
      expect((await ctx.store.cancelTask(cancelled.id, LIMITED, at(23))).ok).toBe(false);
      expect(await balance()).toBe(2_000_000);

      const offPeak = await insert(LIMITED, { createdAt: at(30), offPeak: true });
      expect(await balance()).toBe(2_000_000 - COST);
      await ctx.store.expireOffPeakTasks({ createdBefore: at(31), now: at(40), error: ERROR });
      await ctx.store.expireOffPeakTasks({ createdBefore: at(31), now: at(41), error: ERROR });
      expect((await ctx.store.getTask(offPeak.id))?.status).toBe('failed');
      expect(await balance()).toBe(2_000_000);
      expect((await kinds()).filter(([kind]) => kind === 'refund').map(([, , id]) => id)).toEqual([
        failed.id,
        cancelled.id,
        offPeak.id,
      ]);
      await expectBalanced();
    });

    it('refunds a task whose leases ran out too often, and nothing for a requeue', async () => {
      await limitedKey();
      const task = await insert(LIMITED);
      await claim('w1', at(0));
      await ctx.store.requeueExpiredLeases({ now: at(LEASE), maxAttempts: 2 });
      expect((await ctx.store.getTask(task.id))?.status).toBe('pending');
      expect(await balance()).toBe(2_000_000 - COST);
      await claim('w2', at(LEASE + 1));
      await ctx.store.requeueExpiredLeases({ now: at(3 * LEASE), maxAttempts: 2 });
      expect((await ctx.store.getTask(task.id))?.status).toBe('failed');
      expect(await balance()).toBe(2_000_000);
      expect((await kinds()).map(([kind]) => kind)).toEqual(['top_up', 'hold', 'refund']);
      await expectBalanced();
    });

    it('refuses a task the balance cannot cover, storing and holding nothing', async () => {
      await limitedKey(COST + COST - 1);
      const first = await insert(LIMITED);
      const refused = await ctx.store.insertTask(makeTask(LIMITED));
      expect(refused).toEqual({ inserted: false, insufficientBalance: { balanceMicros: COST - 1 } });
      expect((await ctx.store.listTasks(LIMITED, { limit: 10 })).tasks.map((t) => t.id)).toEqual([first.id]);
      expect(await balance()).toBe(COST - 1);
      // Exactly the balance is enough.
      await ctx.store.cancelTask(first.id, LIMITED, at(1));
      await insert(LIMITED, { costMicros: 2 * COST - 1 });
      expect(await balance()).toBe(0);
      await expectBalanced();
    });

    it('finds a task by its idempotency key, for its own key only', async () => {
      const task = makeTask(A);
      await ctx.store.insertTask(task, { idempotency: { key: 'find-me', requestHash: 'h' } });
      expect((await ctx.store.findTaskByIdempotencyKey(A, 'find-me'))?.id).toBe(task.id);
      expect(await ctx.store.findTaskByIdempotencyKey('key_0002', 'find-me')).toBeNull();
      expect(await ctx.store.findTaskByIdempotencyKey(A, 'other')).toBeNull();
    });

    it('holds once for a repeated idempotency key', async () => {
      await limitedKey();
      const task = makeTask(LIMITED);
      const idempotency = { key: 'same', requestHash: 'h' };
      await ctx.store.insertTask(task, { idempotency });
      const again = await ctx.store.insertTask({ ...makeTask(LIMITED) }, { idempotency });
      expect(again).toMatchObject({ inserted: false, existing: { id: task.id } });
      expect(await balance()).toBe(2_000_000 - COST);
      await expectBalanced();
    });

    it('records holds and charges of unlimited keys without giving them a balance', async () => {
      const task = await insert(A);
      await claim('w1', at(1));
      await ctx.store.completeTask(task.id, 'w1', { videoKey: 'v', coverKey: null, duration: 5 }, at(2));
      expect(await ctx.store.getKeyAccount(A)).toMatchObject({ balanceMicros: null, spentMicros: COST });
      expect((await ctx.store.getKey(A))?.balanceMicros).toBeNull();
      await expectBalanced();
    });

    it('tops up limited keys only', async () => {
      await limitedKey(0);
      const result = await ctx.store.topUpKey(LIMITED, 1_500_000, at(5));
      expect(result).toMatchObject({ ok: true, key: { balanceMicros: 1_500_000 } });
      expect(await ctx.store.topUpKey(A, 1, at(5))).toEqual({ ok: false, reason: 'unlimited' });
      expect(await ctx.store.topUpKey('key_none', 1, at(5))).toEqual({ ok: false, reason: 'not_found' });
      expect(await ctx.store.topUpKey(LIMITED, Number.MAX_SAFE_INTEGER, at(5))).toEqual({
        ok: false,
        reason: 'too_large',
      });
      expect(await kinds()).toEqual([['top_up', 1_500_000, null]]);
      await expectBalanced();
    });

    it("lists a key's ledger newest first, page by page", async () => {
      await limitedKey(3 * COST);
      for (let i = 0; i < 3; i++) await insert(LIMITED, { createdAt: at(i) });
      const first = await ctx.store.listLedger(LIMITED, { limit: 2 });
      const second = await ctx.store.listLedger(LIMITED, { limit: 2, beforeId: first[1].id });
      expect(first.map((e) => e.kind)).toEqual(['hold', 'hold']);
      expect(second.map((e) => e.kind)).toEqual(['hold', 'top_up']);
      expect(first[0].id).toBeGreaterThan(first[1].id);
    });

    it('rotates a webhook secret, keeping the old one until a time', async () => {
      const rotated = await ctx.store.rotateWebhookSecret(A, 'whsec_bmV3', at(1000));
      expect(rotated).toMatchObject({
        webhookSecret: 'whsec_bmV3',
        previousWebhookSecret: { secret: 'whsec_1', until: at(1000) },
      });
      expect(await ctx.store.getKey(A)).toEqual(rotated);
      const again = await ctx.store.rotateWebhookSecret(A, 'whsec_dGhpcmQ=', at(2000));
      expect(again?.previousWebhookSecret).toEqual({ secret: 'whsec_bmV3', until: at(2000) });
      expect(await ctx.store.rotateWebhookSecret('key_none', 'whsec_eA==', at(1))).toBeNull();
    });

    it('records when a key was last used', async () => {
      await ctx.store.touchKey(A, at(99));
      expect((await ctx.store.getKey(A))?.lastUsedAt).toEqual(at(99));
    });
  });
}
