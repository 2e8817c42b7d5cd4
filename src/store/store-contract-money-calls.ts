import { describe, expect, it } from 'vitest';
import { at, makeKey, type StoreTestContext } from './store-test-fixtures.js';

const COST = 700_000;

/**
 * The operator's money calls in the store contract: balance adjustments (credit and debit with a reason, through
 * the ledger, kept in balance by the audit) and idempotency keys on top-ups and adjustments (the same call again
 * makes no second entry; another call under a used key is refused). Also the lookup the orphan sweep uses.
 */
export function describeMoneyCallsContract(ctx: StoreTestContext): void {
  const LIMITED = makeKey(3, { balanceMicros: 2_000_000 }).id;
  const UNLIMITED = makeKey(1).id;
  const SAME = { key: 'top-up-42', requestHash: 'hash-a' };

  async function limitedKey(balanceMicros = 2_000_000): Promise<void> {
    await ctx.store.insertKey(makeKey(3, { balanceMicros }));
  }

  async function entries() {
    return (await ctx.store.listLedger(LIMITED, { limit: 100 }))
      .reverse()
      .map((entry) => [entry.kind, entry.amountMicros, entry.reason] as const);
  }

  async function expectBalanced(): Promise<void> {
    expect(await ctx.store.auditLedger()).toEqual({ balanced: true, problems: [] });
  }

  describe('money calls', () => {
    it('credits and debits a balance through the ledger, with the reason, and the audit agrees', async () => {
      await limitedKey();
      const credit = await ctx.store.adjustKeyBalance(
        LIMITED,
        { kind: 'credit', amountMicros: 250_000, reason: 'outage on 3 March' },
        at(1),
      );
      expect(credit).toMatchObject({
        ok: true,
        replayed: false,
        key: { balanceMicros: 2_250_000 },
        entry: { kind: 'credit', amountMicros: 250_000, reason: 'outage on 3 March', taskId: null },
      });
      const debit = await ctx.store.adjustKeyBalance(
        LIMITED,
        { kind: 'debit', amountMicros: 1_000_000, reason: 'top-up charged back' },
        at(2),
      );
      expect(debit).toMatchObject({ ok: true, key: { balanceMicros: 1_250_000 } });
      expect(await ctx.store.getKeyAccount(LIMITED)).toEqual({
        keyId: LIMITED,
        balanceMicros: 1_250_000,
        heldMicros: 0,
        spentMicros: 0,
        refundedMicros: 0,
        toppedUpMicros: 2_000_000,
        creditedMicros: 250_000,
        debitedMicros: 1_000_000,
      });
      expect(await entries()).toEqual([
        ['top_up', 2_000_000, null],
        ['credit', 250_000, 'outage on 3 March'],
        ['debit', 1_000_000, 'top-up charged back'],
      ]);
      // Tasks still hold and refund against the adjusted balance.
      const task = await ctx.insert(LIMITED);
      await ctx.store.cancelTask(task.id, LIMITED, at(3));
      expect((await ctx.store.getKey(LIMITED))?.balanceMicros).toBe(1_250_000);
      await expectBalanced();
    });

    it('refuses a debit past the balance, unlimited and unknown keys, writing nothing', async () => {
      await limitedKey(COST);
      const debit = (amountMicros: number, id = LIMITED) =>
        ctx.store.adjustKeyBalance(id, { kind: 'debit', amountMicros, reason: 'r' }, at(1));
      expect(await debit(COST + 1)).toEqual({ ok: false, reason: 'insufficient_balance' });
      expect(await debit(1, UNLIMITED)).toEqual({ ok: false, reason: 'unlimited' });
      expect(await debit(1, 'key_none')).toEqual({ ok: false, reason: 'not_found' });
      expect(
        await ctx.store.adjustKeyBalance(
          LIMITED,
          { kind: 'credit', amountMicros: Number.MAX_SAFE_INTEGER, reason: 'r' },
          at(1),
        ),
      ).toEqual({ ok: false, reason: 'too_large' });
      expect(await entries()).toEqual([['top_up', COST, null]]);
      // Exactly the balance may be debited.
      expect(await debit(COST)).toMatchObject({ ok: true, key: { balanceMicros: 0 } });
      await expectBalanced();
    });

    it('makes one entry for a top-up sent twice with the same idempotency key', async () => {
      await limitedKey(0);
      const first = await ctx.store.topUpKey(LIMITED, 500_000, at(1), { idempotency: SAME });
      const again = await ctx.store.topUpKey(LIMITED, 500_000, at(2), { idempotency: SAME });
      expect(first).toMatchObject({ ok: true, replayed: false, key: { balanceMicros: 500_000 } });
      expect(again).toMatchObject({ ok: true, replayed: true, key: { balanceMicros: 500_000 } });
      if (!first.ok || !again.ok) throw new Error('expected both to succeed');
      expect(again.entry).toEqual(first.entry);
      expect(await entries()).toEqual([['top_up', 500_000, null]]);
      // A call without a key is a new call every time.
      await ctx.store.topUpKey(LIMITED, 500_000, at(3));
      await ctx.store.topUpKey(LIMITED, 500_000, at(4));
      expect((await ctx.store.getKey(LIMITED))?.balanceMicros).toBe(1_500_000);
      await expectBalanced();
    });

    it('refuses another call under a used idempotency key, for any key and either kind', async () => {
      await limitedKey(0);
      await ctx.store.topUpKey(LIMITED, 500_000, at(1), { idempotency: SAME });
      const conflict = { ok: false, reason: 'idempotency_conflict' };
      expect(
        await ctx.store.topUpKey(LIMITED, 600_000, at(2), {
          idempotency: { ...SAME, requestHash: 'hash-b' },
        }),
      ).toEqual(conflict);
      expect(
        await ctx.store.adjustKeyBalance(LIMITED, { kind: 'debit', amountMicros: 1, reason: 'r' }, at(2), {
          idempotency: { ...SAME, requestHash: 'hash-c' },
        }),
      ).toEqual(conflict);
      await ctx.store.insertKey(makeKey(4, { balanceMicros: 0 }));
      // The same hash for another key is still another call (stores do not trust the hash to name the key).
      expect(await ctx.store.topUpKey(makeKey(4).id, 500_000, at(2), { idempotency: SAME })).toEqual(
        conflict,
      );
      expect(await entries()).toEqual([['top_up', 500_000, null]]);
      await expectBalanced();
    });

    it('answers a replayed debit even after the balance it used is gone', async () => {
      await limitedKey(COST);
      const idempotency = { key: 'debit-7', requestHash: 'h' };
      const adjustment = { kind: 'debit', amountMicros: COST, reason: 'refund by bank' } as const;
      const first = await ctx.store.adjustKeyBalance(LIMITED, adjustment, at(1), { idempotency });
      const again = await ctx.store.adjustKeyBalance(LIMITED, adjustment, at(2), { idempotency });
      expect(first).toMatchObject({ ok: true, replayed: false });
      expect(again).toMatchObject({ ok: true, replayed: true, key: { balanceMicros: 0 } });
      expect(await entries()).toEqual([
        ['top_up', COST, null],
        ['debit', COST, 'refund by bank'],
      ]);
      await expectBalanced();
    });
  });

  describe('task ids for the orphan sweep', () => {
    it('answers which ids have a row, whatever their state', async () => {
      const pending = await ctx.insert();
      const cancelled = await ctx.insert();
      await ctx.store.cancelTask(cancelled.id, cancelled.keyId, at(1));
      const found = await ctx.store.existingTaskIds([pending.id, 'task_gone', cancelled.id, pending.id]);
      expect([...new Set(found)].sort()).toEqual([cancelled.id, pending.id].sort());
      expect(await ctx.store.existingTaskIds([])).toEqual([]);
      expect(await ctx.store.existingTaskIds(["task_' OR 1=1 --"])).toEqual([]);
    });
  });
}
