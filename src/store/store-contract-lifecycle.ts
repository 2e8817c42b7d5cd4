import { describe, expect, it } from 'vitest';
import { at, type StoreTestContext } from './store-test-fixtures.js';

const A = 'key_0001';
const B = 'key_0002';

/** The lease and state-machine half of the store contract: claims, heartbeats, transitions, expired leases. */
export function describeLifecycleContract(ctx: StoreTestContext): void {
  const { insert, claim, lease: LEASE } = ctx;

  describe('claimNextTask', () => {
    it('leases the oldest pending task, never the same one twice', async () => {
      const older = await insert(A, { createdAt: at(1) });
      const newer = await insert(B, { createdAt: at(2) });
      const newest = await insert(A, { createdAt: at(3) });
      const [x, y] = await Promise.all([claim('w1', at(100)), claim('w2', at(100))]);
      expect(new Set([x?.id, y?.id])).toEqual(new Set([older.id, newer.id]));
      expect(x?.leaseOwner).not.toBe(y?.leaseOwner);

      const third = await claim('w3', at(200));
      expect(third).toMatchObject({
        id: newest.id,
        status: 'processing',
        leaseOwner: 'w3',
        leaseExpiresAt: at(200 + LEASE),
        attempts: 1,
        startedAt: at(200),
        updatedAt: at(200),
        version: 2,
      });
      expect(await ctx.store.getTask(newest.id)).toEqual(third);
      expect(await claim('w4', at(300))).toBeNull();
    });

    it('takes off-peak tasks only when allowed, and after normal ones', async () => {
      const offPeak = await insert(A, { createdAt: at(1), offPeak: true });
      const normal = await insert(A, { createdAt: at(2) });
      const later = await insert(A, { createdAt: at(3) });
      expect((await claim('w1', at(10), false))?.id).toBe(normal.id);
      expect((await claim('w1', at(10), true))?.id).toBe(later.id);
      expect(await claim('w1', at(10), false)).toBeNull();
      expect((await claim('w1', at(10), true))?.id).toBe(offPeak.id);
    });
  });

  describe('claimTask', () => {
    it('leases the named pending task, off-peak or not, to one of several racing claimers', async () => {
      const first = await insert(A, { createdAt: at(1) });
      const offPeak = await insert(B, { createdAt: at(2), offPeak: true });
      const claims = await Promise.all(
        ['w1', 'w2', 'w3'].map((owner) =>
          ctx.store.claimTask(offPeak.id, { owner, leaseMs: LEASE, now: at(50) }),
        ),
      );
      const won = claims.filter((task) => task !== null);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({
        id: offPeak.id,
        status: 'processing',
        leaseExpiresAt: at(50 + LEASE),
        attempts: 1,
        startedAt: at(50),
        version: 2,
      });
      expect(await ctx.store.getTask(offPeak.id)).toEqual(won[0]);
      // The older task was not touched: a claim by id is not a claim of the next one.
      expect(await ctx.store.getTask(first.id)).toMatchObject({ status: 'pending', attempts: 0, version: 1 });
    });

    it('answers null for a missing, processing, cancelled or finished task, changing nothing', async () => {
      const options = { owner: 'w9', leaseMs: LEASE, now: at(10) };
      expect(await ctx.store.claimTask('task_missing', options)).toBeNull();
      const running = await insert();
      await claim('w1', at(5));
      expect(await ctx.store.claimTask(running.id, options)).toBeNull();
      expect(await ctx.store.getTask(running.id)).toMatchObject({ leaseOwner: 'w1', attempts: 1 });
      const cancelled = await insert();
      await ctx.store.cancelTask(cancelled.id, A, at(6));
      const before = await ctx.store.getTask(cancelled.id);
      expect(await ctx.store.claimTask(cancelled.id, options)).toBeNull();
      expect(await ctx.store.getTask(cancelled.id)).toEqual(before);
    });
  });

  describe('heartbeat', () => {
    it('extends the lease and stores progress for the owner only', async () => {
      const task = await insert();
      await claim('w1', at(0));
      expect(
        await ctx.store.heartbeat(task.id, 'w1', { leaseMs: LEASE, now: at(1000), progress: 0.25 }),
      ).toBe(true);
      expect(await ctx.store.getTask(task.id)).toMatchObject({
        progress: 0.25,
        leaseExpiresAt: at(1000 + LEASE),
        version: 3,
      });
      expect(await ctx.store.heartbeat(task.id, 'w2', { leaseMs: LEASE, now: at(1000) })).toBe(false);
      expect(await ctx.store.heartbeat('task_missing', 'w1', { leaseMs: LEASE, now: at(1000) })).toBe(false);
    });

    it('answers false once the task is cancelled', async () => {
      const task = await insert();
      await claim('w1');
      expect(await ctx.store.cancelTask(task.id, A, at(5))).toMatchObject({
        ok: true,
        task: { status: 'cancelled' },
      });
      expect(await ctx.store.heartbeat(task.id, 'w1', { leaseMs: LEASE, now: at(6), progress: 0.5 })).toBe(
        false,
      );
      expect(await ctx.store.getTask(task.id)).toMatchObject({
        status: 'cancelled',
        leaseOwner: null,
        progress: 0,
      });
    });
  });

  describe('transitions', () => {
    it('completes only under the lease, and a final task is not cancellable', async () => {
      const task = await insert();
      await claim('w1');
      const output = { videoKey: 'v.mp4', coverKey: null, duration: 5 };
      expect(await ctx.store.completeTask(task.id, 'w2', output, at(5))).toEqual({
        ok: false,
        reason: 'lease_lost',
      });
      expect(await ctx.store.completeTask('task_missing', 'w1', output, at(5))).toEqual({
        ok: false,
        reason: 'not_found',
      });
      const done = await ctx.store.completeTask(task.id, 'w1', output, at(5));
      expect(done).toMatchObject({
        ok: true,
        task: { status: 'completed', leaseOwner: null, completedAt: at(5) },
      });
      expect(await ctx.store.completeTask(task.id, 'w1', output, at(6))).toEqual({
        ok: false,
        reason: 'lease_lost',
      });
      expect(await ctx.store.cancelTask(task.id, A, at(7))).toEqual({ ok: false, reason: 'not_cancellable' });
      expect(await ctx.store.failTask(task.id, null, { code: 'x', message: 'y' }, at(7))).toEqual({
        ok: false,
        reason: 'already_final',
      });
      expect((await ctx.store.getTask(task.id))?.version).toBe(3);
    });

    it('refuses to complete after the lease expired and was requeued', async () => {
      const task = await insert();
      await claim('w1', at(0));
      await ctx.store.requeueExpiredLeases({ now: at(LEASE), maxAttempts: 3 });
      const output = { videoKey: 'v.mp4', coverKey: null, duration: 5 };
      expect(await ctx.store.completeTask(task.id, 'w1', output, at(LEASE + 1))).toEqual({
        ok: false,
        reason: 'lease_lost',
      });
      expect(await ctx.store.heartbeat(task.id, 'w1', { leaseMs: LEASE, now: at(LEASE + 1) })).toBe(false);
      expect((await claim('w2', at(LEASE + 2)))?.leaseOwner).toBe('w2');
      expect(await ctx.store.completeTask(task.id, 'w1', output, at(LEASE + 3))).toMatchObject({ ok: false });
    });

    it('fails by the lease owner, or by the service with no owner', async () => {
      const running = await insert(A, { createdAt: at(1) });
      const waiting = await insert(A, { createdAt: at(2) });
      await claim('w1');
      const error = { code: '002014012', message: 'Video generation failed: ffmpeg exited with code 1' };
      expect(await ctx.store.failTask(running.id, 'w2', error, at(5))).toEqual({
        ok: false,
        reason: 'lease_lost',
      });
      expect(await ctx.store.failTask(running.id, 'w1', error, at(5))).toMatchObject({
        ok: true,
        task: { status: 'failed', errorCode: error.code, errorMessage: error.message, completedAt: at(5) },
      });
      expect(await ctx.store.failTask(waiting.id, 'w1', error, at(6))).toEqual({
        ok: false,
        reason: 'lease_lost',
      });
      expect(await ctx.store.failTask(waiting.id, null, error, at(6))).toMatchObject({
        ok: true,
        task: { status: 'failed', startedAt: null, version: 2 },
      });
    });

    it('cancels pending and processing tasks of the owning key only', async () => {
      const running = await insert(A, { createdAt: at(1) });
      const waiting = await insert(A, { createdAt: at(2) });
      await claim('w1');
      expect(await ctx.store.cancelTask(waiting.id, B, at(5))).toEqual({ ok: false, reason: 'not_found' });
      expect(await ctx.store.cancelTask('task_missing', A, at(5))).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect(await ctx.store.cancelTask(waiting.id, A, at(5))).toMatchObject({
        ok: true,
        task: { status: 'cancelled', errorCode: null, completedAt: at(5), version: 2 },
      });
      const expiry = { code: 'task_not_cancellable', message: 'off-peak window passed' };
      expect(await ctx.store.cancelTask(running.id, null, at(6), expiry)).toMatchObject({
        ok: true,
        task: {
          status: 'cancelled',
          errorCode: expiry.code,
          errorMessage: expiry.message,
          leaseOwner: null,
        },
      });
      expect(await ctx.store.cancelTask(running.id, A, at(7))).toEqual({
        ok: false,
        reason: 'not_cancellable',
      });
    });
  });

  describe('requeueExpiredLeases', () => {
    it('requeues expired leases and fails tasks whose attempts ran out', async () => {
      const task = await insert(A, { createdAt: at(1) });
      const healthy = await insert(A, { createdAt: at(2) });
      await claim('w1', at(0));
      await claim('w2', at(LEASE / 2));
      expect(await ctx.store.requeueExpiredLeases({ now: at(LEASE - 1), maxAttempts: 2 })).toEqual({
        requeued: [],
        failed: [],
      });
      const first = await ctx.store.requeueExpiredLeases({ now: at(LEASE), maxAttempts: 2 });
      expect(first.failed).toEqual([]);
      expect(first.requeued).toHaveLength(1);
      expect(first.requeued[0]).toMatchObject({
        id: task.id,
        status: 'pending',
        leaseOwner: null,
        attempts: 1,
      });
      expect(await ctx.store.getTask(task.id)).toEqual(first.requeued[0]);

      const again = await claim('w3', at(LEASE + 1));
      expect(again).toMatchObject({ id: task.id, attempts: 2, startedAt: at(0) });
      const second = await ctx.store.requeueExpiredLeases({ now: at(3 * LEASE), maxAttempts: 2 });
      expect(second.failed.map((t) => t.id)).toEqual([task.id]);
      expect(second.failed[0]).toMatchObject({
        status: 'failed',
        errorCode: '002014012',
        completedAt: at(3 * LEASE),
      });
      expect(second.requeued.map((t) => t.id)).toEqual([healthy.id]);
    });
  });
}
