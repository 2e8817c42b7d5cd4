import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from './list-cursor.js';
import { at, makeKey, makeTask, REQUEST, T0 } from './store-test-fixtures.js';
import { describeLifecycleContract } from './store-contract-lifecycle.js';
import { describeLimitsContract } from './store-contract-limits.js';
import { describeMoneyContract } from './store-contract-money.js';
import { describeMoneyCallsContract } from './store-contract-money-calls.js';
import { describeOutboxContract } from './store-contract-outbox.js';
import { describeUpstreamContract } from './store-contract-upstream.js';
import type { NewTask, StoredTask, TaskStore } from './task-store.js';

const LEASE = 30_000;
const A = makeKey(1).id;
const B = makeKey(2).id;

/**
 * The contract every {@link TaskStore} adapter must pass. `factory` returns a fresh, empty, migrated store for
 * each test; the suite closes it afterwards.
 */
export function describeTaskStore(name: string, factory: () => Promise<TaskStore>): void {
  describe(`TaskStore contract: ${name}`, () => {
    let store: TaskStore;

    beforeEach(async () => {
      store = await factory();
      await store.insertKey(makeKey(1));
      await store.insertKey(makeKey(2));
    });
    afterEach(async () => {
      await store.close();
    });

    async function insert(keyId = A, extra: Partial<NewTask> = {}): Promise<StoredTask> {
      const result = await store.insertTask(makeTask(keyId, extra));
      if (!result.inserted) throw new Error('expected an insert');
      return result.task;
    }

    async function claim(owner = 'w1', now = T0, includeOffPeak = true): Promise<StoredTask | null> {
      return store.claimNextTask({ owner, leaseMs: LEASE, now, includeOffPeak });
    }

    const context = {
      get store() {
        return store;
      },
      lease: LEASE,
      insert,
      claim,
    };
    describeLifecycleContract(context);
    describeLimitsContract(context);
    describeMoneyContract(context);
    describeMoneyCallsContract(context);
    describeOutboxContract(context);
    describeUpstreamContract(context);

    describe('tasks', () => {
      it('round-trips every field', async () => {
        const input = makeTask(A, {
          offPeak: true,
          discount: 0.5,
          callbackUrl: null,
          width: null,
          fps: 23.976,
        });
        const result = await store.insertTask(input, { idempotency: { key: 'idem-1', requestHash: 'h1' } });
        const expected: StoredTask = {
          ...input,
          request: REQUEST,
          status: 'pending',
          progress: 0,
          idempotencyKey: 'idem-1',
          requestHash: 'h1',
          errorCode: null,
          errorMessage: null,
          outputVideoKey: null,
          outputCoverKey: null,
          outputDuration: null,
          recommendedPrompt: null,
          music: null,
          backend: null,
          upstream: null,
          attempts: 0,
          leaseOwner: null,
          leaseExpiresAt: null,
          startedAt: null,
          completedAt: null,
          updatedAt: T0,
          version: 1,
        };
        expect(result).toEqual({ inserted: true, task: expected });
        expect(await store.getTask(input.id)).toEqual(expected);

        await claim('w1', at(10));
        const done = await store.completeTask(
          input.id,
          'w1',
          {
            videoKey: 'out/v.mp4',
            coverKey: 'out/c.jpg',
            duration: 5.04,
            recommendedPrompt: 'better',
            music: 'calm-pad',
            width: 1440,
          },
          at(20),
        );
        const completed: StoredTask = {
          ...expected,
          status: 'completed',
          progress: 1,
          width: 1440,
          outputVideoKey: 'out/v.mp4',
          outputCoverKey: 'out/c.jpg',
          outputDuration: 5.04,
          recommendedPrompt: 'better',
          music: 'calm-pad',
          attempts: 1,
          startedAt: at(10),
          completedAt: at(20),
          updatedAt: at(20),
          version: 3,
        };
        expect(done).toEqual({ ok: true, task: completed });
        expect(await store.getTask(input.id)).toEqual(completed);
      });

      it('answers null for an unknown task', async () => {
        expect(await store.getTask('task_missing')).toBeNull();
      });

      it('refuses a task for an unknown key', async () => {
        await expect(store.insertTask(makeTask('key_missing'))).rejects.toThrow();
      });

      it('returns the existing task for a repeated idempotency key, per API key', async () => {
        const idempotency = { key: 'same', requestHash: 'h1' };
        const first = await store.insertTask(makeTask(A), { idempotency });
        const again = await store.insertTask(makeTask(A), {
          idempotency: { key: 'same', requestHash: 'h2' },
        });
        if (!first.inserted) throw new Error('expected an insert');
        expect(again).toEqual({ inserted: false, existing: first.task });
        expect((await store.insertTask(makeTask(B), { idempotency })).inserted).toBe(true);
        // Without a key nothing is deduplicated.
        expect((await store.insertTask(makeTask(A))).inserted).toBe(true);
        expect((await store.insertTask(makeTask(A), { idempotency: null })).inserted).toBe(true);
        expect(await store.countByStatus()).toMatchObject({ pending: 4 });
      });
    });

    describe('listTasks', () => {
      it('pages newest first with a cursor that is stable under inserts', async () => {
        // Two tasks share a creation time: the id orders them.
        const tasks = [
          await insert(A, { createdAt: at(1) }),
          await insert(A, { createdAt: at(2) }),
          await insert(A, { createdAt: at(2) }),
          await insert(A, { createdAt: at(3) }),
          await insert(A, { createdAt: at(4) }),
        ];
        await insert(B, { createdAt: at(5) });
        const newestFirst = tasks.map((task) => task.id).reverse();

        const first = await store.listTasks(A, { limit: 2 });
        expect(first.tasks.map((task) => task.id)).toEqual(newestFirst.slice(0, 2));
        expect(first.nextCursor).toEqual(expect.any(String));

        await insert(A, { createdAt: at(6) });
        const second = await store.listTasks(A, { limit: 2, cursor: first.nextCursor });
        expect(second.tasks.map((task) => task.id)).toEqual(newestFirst.slice(2, 4));
        const third = await store.listTasks(A, { limit: 2, cursor: second.nextCursor });
        expect(third.tasks.map((task) => task.id)).toEqual(newestFirst.slice(4));
        expect(third.nextCursor).toBeNull();

        const all = await store.listTasks(A, { limit: 100 });
        expect(all.tasks).toHaveLength(6);
        expect(all.tasks.every((task) => task.keyId === A)).toBe(true);
        expect(all.nextCursor).toBeNull();
      });

      it('filters by status', async () => {
        const old = await insert(A, { createdAt: at(1) });
        await insert(A, { createdAt: at(2) });
        const cancelled = await insert(A, { createdAt: at(3) });
        await store.cancelTask(old.id, A, at(10));
        await store.cancelTask(cancelled.id, A, at(10));
        const page = await store.listTasks(A, { status: 'cancelled', limit: 1 });
        expect(page.tasks.map((task) => task.id)).toEqual([cancelled.id]);
        const next = await store.listTasks(A, { status: 'cancelled', limit: 1, cursor: page.nextCursor });
        expect(next.tasks.map((task) => task.id)).toEqual([old.id]);
        expect(next.nextCursor).toBeNull();
        expect((await store.listTasks(A, { status: 'completed', limit: 5 })).tasks).toEqual([]);
      });

      it('rejects a cursor it did not make', async () => {
        await expect(store.listTasks(A, { limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
      });
    });

    describe('counts and retention', () => {
      it('counts tasks by status and the queue depth', async () => {
        expect(await store.countByStatus()).toEqual({
          pending: 0,
          processing: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
        });
        expect(await store.queueDepth()).toBe(0);
        for (let i = 0; i < 3; i += 1) await insert(A, { createdAt: at(i) });
        await insert(B, { createdAt: at(3), offPeak: true });
        const cancelled = await insert(A, { createdAt: at(4) });
        await store.cancelTask(cancelled.id, A, at(5));
        await claim('w1');
        expect(await store.countByStatus()).toEqual({
          pending: 3,
          processing: 1,
          completed: 0,
          failed: 0,
          cancelled: 1,
        });
        expect(await store.queueDepth()).toBe(3);
      });

      it('deletes tasks finished before a date and returns their blob keys', async () => {
        const output = { videoKey: 'out/old.mp4', coverKey: 'out/old.jpg', duration: 5 };
        // No callbacks here (they hold a task back while retried; the outbox contract covers that).
        const quiet = { callbackUrl: null };
        const completed = await insert(A, { ...quiet, createdAt: at(1), inputKeys: ['in/1.png'] });
        const cancelled = await insert(A, {
          ...quiet,
          createdAt: at(2),
          inputKeys: ['in/2a.png', 'in/2b.png'],
        });
        const recent = await insert(A, { ...quiet, createdAt: at(3) });
        const pending = await insert(A, { ...quiet, createdAt: at(4) });
        await claim('w1', at(10));
        await store.completeTask(completed.id, 'w1', output, at(20));
        await store.cancelTask(cancelled.id, A, at(30));
        await store.cancelTask(recent.id, A, at(100));

        const result = await store.deleteFinishedBefore(at(100));
        expect([...result.taskIds].sort()).toEqual([completed.id, cancelled.id].sort());
        expect([...result.blobKeys].sort()).toEqual(
          ['in/1.png', 'out/old.mp4', 'out/old.jpg', 'in/2a.png', 'in/2b.png'].sort(),
        );
        expect(await store.getTask(completed.id)).toBeNull();
        expect(await store.getTask(recent.id)).not.toBeNull();
        expect(await store.getTask(pending.id)).not.toBeNull();
        expect(await store.deleteFinishedBefore(at(100))).toEqual({ taskIds: [], blobKeys: [] });
      });
    });

    describe('api keys', () => {
      it('inserts, finds, lists and revokes keys', async () => {
        const key = makeKey(3, { balanceMicros: 1_500_000 });
        await store.insertKey(key);
        expect(await store.findKeyByHash(key.secretHash)).toEqual(key);
        expect(await store.getKey(key.id)).toEqual(key);
        expect(await store.findKeyByHash('0'.repeat(64))).toBeNull();
        expect(await store.getKey('key_missing')).toBeNull();
        expect((await store.listKeys()).map((k) => k.id)).toEqual([makeKey(1).id, makeKey(2).id, key.id]);

        expect(await store.revokeKey(key.id, at(50))).toEqual({ ...key, revokedAt: at(50) });
        // The first revocation time stands.
        expect(await store.revokeKey(key.id, at(60))).toEqual({ ...key, revokedAt: at(50) });
        expect(await store.findKeyByHash(key.secretHash)).toMatchObject({ revokedAt: at(50) });
        expect(await store.revokeKey('key_missing', at(60))).toBeNull();
      });

      it('refuses a second key with the same secret hash or id', async () => {
        await expect(store.insertKey(makeKey(9, { secretHash: makeKey(1).secretHash }))).rejects.toThrow();
        await expect(store.insertKey(makeKey(1, { secretHash: 'f'.repeat(64) }))).rejects.toThrow();
      });
    });
  });
}
