import { TASK_STATUSES, type TaskStatus } from '../../contract/index.js';
import { balanceDelta, ledgerEntryFor } from '../ledger.js';
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import { newDeliveryRow } from '../sqlite/delivery-row.js';
import { taskFromRow, taskToParams, type KeyRow, type TaskRow } from '../sqlite/task-row.js';
import type {
  ClaimOptions,
  ClaimTaskOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  InsertTaskOptions,
  InsertTaskResult,
  ListTasksOptions,
  NewTask,
  RequeueOptions,
  RequeueResult,
  RetentionResult,
  StoredTask,
  TaskPage,
  TransitionResult,
} from '../task-store.js';
import {
  newTaskRow,
  planClaim,
  planFail,
  planExpiredLease,
  planHeartbeat,
  planSetBackend,
  taskBlobKeys,
  type Planned,
} from '../task-transitions.js';
import { VersionConflictError } from '../version-conflict-error.js';
import { needsCallback, newDeliveryId } from '../webhook-outbox.js';
import type { PgContext } from './pg-context.js';
import { insertRow, SQL, updateTaskRow } from './pg-sql.js';

// The task half of the PostgreSQL store. Every function runs inside the transaction its caller opened; a row
// that is about to change is read FOR UPDATE, so racing changes wait for each other and plan from what won.

export async function insertTaskRow(
  ctx: PgContext,
  task: NewTask,
  options: InsertTaskOptions,
): Promise<InsertTaskResult> {
  const { client } = ctx;
  const idempotency = options.idempotency ?? null;
  const limits = options.limits ?? {};
  // Lock order, the same in every insert: the queue limit, then the key. Transitions never take either first.
  if (limits.maxQueue !== undefined) await client.query(SQL.lockQueueLimit);
  const key = (await client.query<KeyRow>(SQL.lockKey, [task.keyId])).rows[0];
  if (idempotency) {
    const existing = await one<TaskRow>(ctx, SQL.getTaskByIdempotencyKey, [task.keyId, idempotency.key]);
    if (existing) return { inserted: false, existing: taskFromRow(existing) };
  }
  if (limits.maxActiveTasks !== undefined) {
    const count = await countOf(ctx, SQL.activeTasksOfKey, [task.keyId]);
    if (count >= limits.maxActiveTasks) {
      return { inserted: false, limitReached: { limit: 'active_tasks', count, max: limits.maxActiveTasks } };
    }
  }
  if (limits.maxQueue !== undefined) {
    const count = await countOf(ctx, SQL.queueDepth, []);
    if (count >= limits.maxQueue) {
      return { inserted: false, limitReached: { limit: 'queue', count, max: limits.maxQueue } };
    }
  }
  const balance = key?.balance_micros ?? null;
  if (balance !== null && balance < task.costMicros) {
    return { inserted: false, insufficientBalance: { balanceMicros: balance } };
  }
  const row = newTaskRow(task, idempotency);
  await client.query(...insertRow('tasks', taskToParams(row)));
  await afterChange(ctx, null, row);
  await ctx.hooks.onInsertInTransaction?.(client, row);
  return { inserted: true, task: row };
}

export async function readTask(ctx: PgContext, id: string, lock = false): Promise<StoredTask | null> {
  const row = await one<TaskRow>(ctx, lock ? SQL.lockTask : SQL.getTask, [id]);
  return row ? taskFromRow(row) : null;
}

export async function readTaskByIdempotencyKey(
  ctx: PgContext,
  keyId: string,
  idempotencyKey: string,
): Promise<StoredTask | null> {
  const row = await one<TaskRow>(ctx, SQL.getTaskByIdempotencyKey, [keyId, idempotencyKey]);
  return row ? taskFromRow(row) : null;
}

export async function listTaskPage(
  ctx: PgContext,
  keyId: string,
  options: ListTasksOptions,
): Promise<TaskPage> {
  const limit = Math.max(1, Math.trunc(options.limit));
  const after = options.cursor ? decodeListCursor(options.cursor) : null;
  // One extra row tells whether another page follows.
  const { rows } = await ctx.client.query<TaskRow>(SQL.listTasks, [
    keyId,
    options.status ?? null,
    after?.createdAtMs ?? null,
    after?.id ?? '',
    limit + 1,
  ]);
  const tasks = rows.slice(0, limit).map(taskFromRow);
  const last = tasks.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeListCursor({ createdAtMs: last.createdAt.getTime(), id: last.id })
      : null;
  return { tasks, nextCursor };
}

export async function claimNext(ctx: PgContext, options: ClaimOptions): Promise<StoredTask | null> {
  const row = await one<TaskRow>(ctx, SQL.claimNextPending, [options.includeOffPeak, options.models ?? null]);
  if (!row) return null;
  const task = taskFromRow(row);
  return saveTask(ctx, task, planClaim(task, options.owner, options.leaseMs, options.now));
}

export async function claimById(
  ctx: PgContext,
  id: string,
  options: ClaimTaskOptions,
): Promise<StoredTask | null> {
  // Locked first, so of several racing claims of one task the later ones plan from the row the first wrote.
  const task = await readTask(ctx, id, true);
  if (!task || task.status !== 'pending') return null;
  return saveTask(ctx, task, planClaim(task, options.owner, options.leaseMs, options.now));
}

export async function extendLease(
  ctx: PgContext,
  id: string,
  owner: string,
  options: HeartbeatOptions,
): Promise<boolean> {
  const task = await readTask(ctx, id, true);
  const next = task && planHeartbeat(task, owner, options);
  if (!next) return false;
  await saveTask(ctx, task, next);
  return true;
}

export async function setBackend(
  ctx: PgContext,
  id: string,
  owner: string,
  change: { backend: string; upstream: StoredTask['upstream']; now: Date },
): Promise<boolean> {
  const task = await readTask(ctx, id, true);
  const next = task && planSetBackend(task, owner, change.backend, change.upstream, change.now);
  if (!next) return false;
  await saveTask(ctx, task, next);
  return true;
}

export async function transitionTask(
  ctx: PgContext,
  id: string,
  plan: (task: StoredTask) => Planned,
): Promise<TransitionResult> {
  const task = await readTask(ctx, id, true);
  if (!task) return { ok: false, reason: 'not_found' };
  const planned = plan(task);
  return planned.ok ? { ok: true, task: await saveTask(ctx, task, planned.task) } : planned;
}

export async function requeueExpired(ctx: PgContext, options: RequeueOptions): Promise<RequeueResult> {
  const result: RequeueResult = { requeued: [], failed: [] };
  const { rows } = await ctx.client.query<TaskRow>(SQL.lockExpiredLeases, [options.now.getTime()]);
  for (const row of rows) {
    const task = taskFromRow(row);
    const next = await saveTask(ctx, task, planExpiredLease(task, options.maxAttempts, options.now));
    if (next.status === 'failed') {
      result.failed.push(next);
    } else {
      await ctx.hooks.onRequeueInTransaction?.(ctx.client, next);
      result.requeued.push(next);
    }
  }
  return result;
}

export async function expireOffPeak(ctx: PgContext, options: ExpireOffPeakOptions): Promise<StoredTask[]> {
  const { rows } = await ctx.client.query<TaskRow>(SQL.lockStaleOffPeak, [options.createdBefore.getTime()]);
  const expired: StoredTask[] = [];
  for (const row of rows) {
    const task = taskFromRow(row);
    // Failed, not cancelled: a client written for the hosted API stops waiting only on completed or failed.
    const planned = planFail(task, null, options.error, options.now);
    if (!planned.ok) throw new Error(`pending task ${row.id} refused to fail: ${planned.reason}`);
    expired.push(await saveTask(ctx, task, planned.task));
  }
  return expired;
}

export async function countTasksByStatus(ctx: PgContext): Promise<Record<TaskStatus, number>> {
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  const { rows } = await ctx.client.query<{ status: string; count: number }>(SQL.countByStatus);
  for (const row of rows) counts[row.status as TaskStatus] = row.count;
  return counts;
}

export function countPending(ctx: PgContext): Promise<number> {
  return countOf(ctx, SQL.queueDepth, []);
}

export async function deleteFinished(ctx: PgContext, date: Date): Promise<RetentionResult> {
  const result: RetentionResult = { taskIds: [], blobKeys: [] };
  const { rows } = await ctx.client.query<
    Pick<TaskRow, 'id' | 'input_keys' | 'output_video_key' | 'output_cover_key'>
  >(SQL.lockFinishedBefore, [date.getTime()]);
  for (const row of rows) {
    await ctx.client.query(SQL.deleteDeliveriesOfTask, [row.id]);
    await ctx.client.query(SQL.deleteTask, [row.id]);
    result.taskIds.push(row.id);
    result.blobKeys.push(
      ...taskBlobKeys({
        inputKeys: JSON.parse(row.input_keys) as string[],
        outputVideoKey: row.output_video_key,
        outputCoverKey: row.output_cover_key,
      }),
    );
  }
  return result;
}

export async function readExistingTaskIds(ctx: PgContext, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await ctx.client.query<{ id: string }>(SQL.existingTaskIds, [[...ids]]);
  return rows.map((row) => row.id);
}

// Writes `next` over the row it was planned from (version - 1), so a change made in between is caught.
async function saveTask(ctx: PgContext, before: StoredTask, next: StoredTask): Promise<StoredTask> {
  const expected = next.version - 1;
  const { rowCount } = await ctx.client.query(...updateTaskRow(taskToParams(next), expected));
  if (rowCount !== 1) throw new VersionConflictError(next.id, expected);
  await afterChange(ctx, before, next);
  return next;
}

// What a change moves besides the row, inside its transaction: the ledger entry and the callback, so a crash
// can never leave a status change without its money or its callback, nor the other way round.
async function afterChange(ctx: PgContext, before: StoredTask | null, after: StoredTask): Promise<void> {
  const { client } = ctx;
  // Heartbeats and progress move neither money nor callbacks; they are most of the writes.
  if (before !== null && before.status === after.status) return;
  const held =
    before === null
      ? null
      : ((await one<{ amount_micros: number }>(ctx, SQL.heldForTask, [after.id]))?.amount_micros ?? null);
  const entry = ledgerEntryFor(before, after, held);
  if (entry) {
    const at = after.updatedAt.getTime();
    await client.query(SQL.insertLedger, [after.keyId, after.id, entry.kind, entry.amountMicros, at]);
    const delta = balanceDelta(entry.kind, entry.amountMicros);
    if (delta !== 0) await client.query(SQL.adjustBalance, [delta, after.keyId]);
  }
  if (needsCallback(before, after)) {
    // A final change has already dropped the task's signing key; its last callback still needs it.
    const signingKey = after.callbackSigningKey ?? before?.callbackSigningKey ?? null;
    const delivery = newDeliveryRow(newDeliveryId(), after, signingKey);
    await client.query(...insertRow('webhook_deliveries', { ...delivery }));
  }
}

async function one<T extends object>(
  ctx: PgContext,
  text: string,
  values: unknown[],
): Promise<T | undefined> {
  return (await ctx.client.query<T>(text, values)).rows[0];
}

async function countOf(ctx: PgContext, text: string, values: unknown[]): Promise<number> {
  return (await one<{ count: number }>(ctx, text, values))?.count ?? 0;
}
