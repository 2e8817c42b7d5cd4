import { describe, expect, it } from 'vitest';
import { at, type StoreTestContext } from './store-test-fixtures.js';

const A = 'key_0001';
const B = 'key_0002';

/**
 * The backends half of the store contract: handing a task back without counting the claim, the backend
 * recorded on a task, claims limited to models with a free backend, and upstream attempts (one open at a time,
 * numbered, their id and cost kept, summed per key).
 */
export function describeUpstreamContract(ctx: StoreTestContext): void {
  const { insert, claim, lease: LEASE } = ctx;

  describe('releaseTask', () => {
    it('hands a processing task back to pending without counting the claim, for its owner only', async () => {
      const task = await insert();
      await claim('w1', at(0));
      expect(await ctx.store.releaseTask(task.id, 'w2', at(10))).toEqual({ ok: false, reason: 'lease_lost' });
      const released = await ctx.store.releaseTask(task.id, 'w1', at(10));
      expect(released.ok && released.task).toMatchObject({
        status: 'pending',
        attempts: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
        progress: 0,
      });
      // A second release is refused: the lease is gone.
      expect(await ctx.store.releaseTask(task.id, 'w1', at(11))).toEqual({ ok: false, reason: 'lease_lost' });
      // Released three times (three deploys) and still on its first counted attempt.
      for (let i = 0; i < 3; i++) {
        await claim('w1', at(20 + i));
        await ctx.store.releaseTask(task.id, 'w1', at(20 + i));
      }
      expect((await claim('w1', at(30)))?.attempts).toBe(1);
      // Money is untouched: still one hold, nothing charged or refunded.
      expect(await ctx.store.getKeyAccount(A)).toMatchObject({ heldMicros: task.costMicros, spentMicros: 0 });
    });
  });

  describe('setTaskBackend', () => {
    it('records the backend for the lease owner and keeps it through completion', async () => {
      const task = await insert();
      expect(await ctx.store.setTaskBackend(task.id, 'w1', 'vidu', null, at(1))).toBe(false);
      await claim('w1', at(0));
      const upstream = { provider: 'vidu', task_id: 'up_1', model: 'viduq2-pro' };
      expect(await ctx.store.setTaskBackend(task.id, 'w2', 'vidu', upstream, at(1))).toBe(false);
      expect(await ctx.store.setTaskBackend(task.id, 'w1', 'vidu', upstream, at(1))).toBe(true);
      expect(await ctx.store.getTask(task.id)).toMatchObject({
        backend: 'vidu',
        upstream,
        status: 'processing',
      });
      const done = await ctx.store.completeTask(
        task.id,
        'w1',
        { videoKey: 'v.mp4', coverKey: null, duration: 5, upstream: { ...upstream, credits: 40 } },
        at(2),
      );
      expect(done.ok && done.task).toMatchObject({ backend: 'vidu', upstream: { ...upstream, credits: 40 } });
      expect(await ctx.store.getTask(task.id)).toMatchObject({ upstream: { credits: 40 } });
    });
  });

  describe('claimNextTask with models', () => {
    it('takes only tasks of the models given, oldest first', async () => {
      const first = await insert(A, { createdAt: at(1), model: 'model_a' });
      const second = await insert(A, { createdAt: at(2), model: 'model_b' });
      const options = { leaseMs: LEASE, now: at(10), includeOffPeak: true };
      expect(await ctx.store.claimNextTask({ ...options, owner: 'w1', models: [] })).toBeNull();
      expect((await ctx.store.claimNextTask({ ...options, owner: 'w1', models: ['model_b'] }))?.id).toBe(
        second.id,
      );
      expect(await ctx.store.claimNextTask({ ...options, owner: 'w1', models: ['model_b', 'x'] })).toBeNull();
      expect((await ctx.store.claimNextTask({ ...options, owner: 'w1' }))?.id).toBe(first.id);
    });
  });

  describe('upstream attempts', () => {
    it('records attempts before submission, one open at a time, with their id and cost', async () => {
      const task = await insert(A);
      const first = await ctx.store.recordUpstreamAttempt({
        taskId: task.id,
        keyId: A,
        provider: 'vidu',
        model: 'viduq2-pro',
        now: at(1),
      });
      expect(first).toMatchObject({
        attempt: 1,
        state: 'submitting',
        tag: `inbetween:${task.id}:1`,
        upstreamTaskId: null,
        credits: null,
        costMicros: null,
        createdAt: at(1),
      });
      // A second open attempt would be a second paid task: refused.
      await expect(
        ctx.store.recordUpstreamAttempt({
          taskId: task.id,
          keyId: A,
          provider: 'gateway',
          model: 'm',
          now: at(2),
        }),
      ).rejects.toThrow();
      await ctx.store.updateUpstreamAttempt(task.id, 1, { state: 'rejected', reason: '503' }, at(3));
      const second = await ctx.store.recordUpstreamAttempt({
        taskId: task.id,
        keyId: A,
        provider: 'gateway',
        model: 'm',
        now: at(4),
      });
      expect(second.attempt).toBe(2);
      await ctx.store.updateUpstreamAttempt(task.id, 2, { state: 'accepted', upstreamTaskId: 'up_9' }, at(5));
      await ctx.store.updateUpstreamAttempt(task.id, 2, { state: 'succeeded', costMicros: 250_000 }, at(6));
      const attempts = await ctx.store.listUpstreamAttempts(task.id);
      expect(attempts.map((a) => [a.attempt, a.provider, a.state, a.upstreamTaskId, a.reason])).toEqual([
        [1, 'vidu', 'rejected', null, '503'],
        [2, 'gateway', 'succeeded', 'up_9', null],
      ]);
      expect(attempts[1]).toMatchObject({ costMicros: 250_000, updatedAt: at(6), createdAt: at(4) });
      await expect(ctx.store.updateUpstreamAttempt(task.id, 7, { state: 'failed' }, at(7))).rejects.toThrow();
    });

    it('sums what providers charged per key, and keeps it when the task is deleted', async () => {
      const one = await insert(A);
      const two = await insert(A);
      const other = await insert(B);
      for (const [task, key, change] of [
        [one, A, { state: 'succeeded', credits: 40 }],
        [two, A, { state: 'succeeded', credits: 2, costMicros: 100_000 }],
        [other, B, { state: 'failed', credits: 7 }],
      ] as const) {
        await ctx.store.recordUpstreamAttempt({
          taskId: task.id,
          keyId: key,
          provider: 'vidu',
          model: 'm',
          now: at(1),
        });
        await ctx.store.updateUpstreamAttempt(task.id, 1, change, at(2));
      }
      expect(await ctx.store.upstreamCost(A)).toEqual({ credits: 42, costMicros: 100_000 });
      expect(await ctx.store.upstreamCost(B)).toEqual({ credits: 7, costMicros: 0 });
      expect(await ctx.store.upstreamCost('key_none')).toEqual({ credits: 0, costMicros: 0 });
      await claim('w1', at(3));
      await ctx.store.failTask(one.id, null, { code: '002014012', message: 'x' }, at(4));
      await ctx.store.deleteFinishedBefore(at(10_000));
      expect(await ctx.store.upstreamCost(A)).toEqual({ credits: 42, costMicros: 100_000 });
    });
  });

  describe('abandoned upstream attempts', () => {
    const attemptOn = async (taskId: string, provider: string, upstreamTaskId: string | null) => {
      await ctx.store.recordUpstreamAttempt({ taskId, keyId: A, provider, model: 'm', now: at(1) });
      if (upstreamTaskId) {
        await ctx.store.updateUpstreamAttempt(taskId, 1, { state: 'accepted', upstreamTaskId }, at(2));
      }
    };
    const query = (now: number, extra: { providers?: string[]; claimTtl?: number } = {}) => ({
      providers: extra.providers ?? ['vidu', 'gateway'],
      claimedBefore: at(now - (extra.claimTtl ?? 1000)),
      submittedBefore: at(now - 100),
      limit: 10,
    });

    it('lists the open attempts of ended or deleted tasks, for the providers asked, least recently changed first', async () => {
      const running = await insert(A, { model: 'model_r' });
      const cancelled = await insert(A);
      const inDoubt = await insert(A);
      // Without a callback: one still to be delivered would keep the task from retention.
      const gone = await insert(A, { callbackUrl: null });
      const otherProvider = await insert(A);
      await attemptOn(running.id, 'vidu', 'up_r');
      await attemptOn(cancelled.id, 'vidu', 'up_c');
      await attemptOn(inDoubt.id, 'vidu', null);
      await attemptOn(gone.id, 'vidu', 'up_g');
      await attemptOn(otherProvider.id, 'gateway', 'up_o');
      await claim('w1', at(3));
      for (const task of [cancelled, inDoubt, otherProvider]) await ctx.store.cancelTask(task.id, A, at(4));
      // Finished and deleted by retention: its attempt (and what it may cost) outlives it.
      await ctx.store.cancelTask(gone.id, A, at(4));
      await ctx.store.deleteFinishedBefore(at(5));
      const listed = await ctx.store.listAbandonedUpstreamAttempts(query(50, { providers: ['vidu'] }));
      // The submission in doubt is too young: its worker may still hear the provider's answer.
      expect(listed.map((a) => [a.attempt.taskId, a.attempt.upstreamTaskId, a.taskStatus])).toEqual([
        [cancelled.id, 'up_c', 'cancelled'],
        [gone.id, 'up_g', null],
      ]);
      const later = await ctx.store.listAbandonedUpstreamAttempts(query(500));
      expect(later.map((a) => a.attempt.taskId)).toEqual([
        inDoubt.id,
        cancelled.id,
        gone.id,
        otherProvider.id,
      ]);
      expect(later[0].attempt).toMatchObject({ state: 'submitting', cancelClaimedAt: null });
      // Closed attempts are nobody's business: the task's provider has finished with them.
      await ctx.store.updateUpstreamAttempt(cancelled.id, 1, { state: 'cancelled' }, at(600));
      const after = await ctx.store.listAbandonedUpstreamAttempts(query(700));
      expect(after.map((a) => a.attempt.taskId)).not.toContain(cancelled.id);
      expect(after.map((a) => a.attempt.taskId)).not.toContain(running.id);
    });

    it('grants the cancel of an attempt to one claimer, until the claim is stale', async () => {
      const task = await insert(A);
      await attemptOn(task.id, 'vidu', 'up_1');
      await ctx.store.cancelTask(task.id, A, at(3));
      const claims = await Promise.all(
        [0, 1, 2, 3].map(() => ctx.store.claimUpstreamCancel(task.id, 1, at(10), at(0))),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await ctx.store.listUpstreamAttempts(task.id))[0].cancelClaimedAt).toEqual(at(10));
      // Claimed: no longer listed as abandoned until the claim is stale.
      expect(await ctx.store.listAbandonedUpstreamAttempts(query(500, { claimTtl: 1000 }))).toEqual([]);
      expect(await ctx.store.claimUpstreamCancel(task.id, 1, at(500), at(-500))).toBe(false);
      // The claimer died: after the time limit another process takes it over.
      expect(await ctx.store.listAbandonedUpstreamAttempts(query(2000, { claimTtl: 1000 }))).toHaveLength(1);
      expect(await ctx.store.claimUpstreamCancel(task.id, 1, at(2000), at(1000))).toBe(true);
      // An attempt that is closed cannot be claimed at all.
      await ctx.store.updateUpstreamAttempt(task.id, 1, { state: 'cancelled' }, at(2001));
      expect(await ctx.store.claimUpstreamCancel(task.id, 1, at(9000), at(9000))).toBe(false);
      expect(await ctx.store.claimUpstreamCancel(task.id, 2, at(9000), at(9000))).toBe(false);
    });
  });
}
