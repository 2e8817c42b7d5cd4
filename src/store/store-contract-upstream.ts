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
}
