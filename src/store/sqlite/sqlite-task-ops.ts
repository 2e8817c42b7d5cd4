import { TASK_STATUSES, type TaskStatus } from '../../contract/index.js';
import { balanceDelta, ledgerEntryFor } from '../ledger.js';
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
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
import { needsCallback, newDeliveryId } from '../webhook-outbox.js';
import { newDeliveryRow } from './delivery-row.js';
import { VersionConflictError, type SqliteContext } from './sqlite-context.js';
import { taskFromRow, taskToParams } from './task-row.js';

// The task half of the SQLite store. Every function runs inside the transaction its caller opened.

export function insertTaskRow(
  ctx: SqliteContext,
  task: NewTask,
  options: InsertTaskOptions,
): InsertTaskResult {
  const { sql } = ctx;
  const idempotency = options.idempotency ?? null;
  if (idempotency) {
    const existing = sql.getTaskByIdempotencyKey.get(task.keyId, idempotency.key);
    if (existing) return { inserted: false, existing: taskFromRow(existing) };
  }
  // The immediate transaction holds the write lock, so these counts stay true until the insert commits.
  const limits = options.limits ?? {};
  if (limits.maxActiveTasks !== undefined) {
    const count = sql.activeTasksOfKey.get(task.keyId)?.count ?? 0;
    if (count >= limits.maxActiveTasks) {
      return { inserted: false, limitReached: { limit: 'active_tasks', count, max: limits.maxActiveTasks } };
    }
  }
  if (limits.maxQueue !== undefined) {
    const count = sql.queueDepth.get()?.count ?? 0;
    if (count >= limits.maxQueue)
      return { inserted: false, limitReached: { limit: 'queue', count, max: limits.maxQueue } };
  }
  const balance = sql.getKey.get(task.keyId)?.balance_micros ?? null;
  if (balance !== null && balance < task.costMicros) {
    return { inserted: false, insufficientBalance: { balanceMicros: balance } };
  }
  const row = newTaskRow(task, idempotency);
  sql.insertTask.run(taskToParams(row));
  afterChange(ctx, null, row);
  return { inserted: true, task: row };
}

export function readTask(ctx: SqliteContext, id: string): StoredTask | null {
  const row = ctx.sql.getTask.get(id);
  return row ? taskFromRow(row) : null;
}

export function readTaskByIdempotencyKey(
  ctx: SqliteContext,
  keyId: string,
  idempotencyKey: string,
): StoredTask | null {
  const row = ctx.sql.getTaskByIdempotencyKey.get(keyId, idempotencyKey);
  return row ? taskFromRow(row) : null;
}

export function listTaskPage(ctx: SqliteContext, keyId: string, options: ListTasksOptions): TaskPage {
  const limit = Math.max(1, Math.trunc(options.limit));
  const after = options.cursor ? decodeListCursor(options.cursor) : null;
  // One extra row tells whether another page follows.
  const rows = ctx.sql.listTasks.all({
    key_id: keyId,
    status: options.status ?? null,
    after_ms: after?.createdAtMs ?? null,
    after_id: after?.id ?? '',
    limit: limit + 1,
  });
  const tasks = rows.slice(0, limit).map(taskFromRow);
  const last = tasks.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? encodeListCursor({ createdAtMs: last.createdAt.getTime(), id: last.id })
      : null;
  return { tasks, nextCursor };
}

export function claimNext(ctx: SqliteContext, options: ClaimOptions): StoredTask | null {
  const row = ctx.sql.nextPending.get({
    include_off_peak: options.includeOffPeak ? 1 : 0,
    models: options.models ? JSON.stringify(options.models) : null,
  });
  if (!row) return null;
  const task = taskFromRow(row);
  return saveTask(ctx, task, planClaim(task, options.owner, options.leaseMs, options.now));
}

export function claimById(ctx: SqliteContext, id: string, options: ClaimTaskOptions): StoredTask | null {
  const task = readTask(ctx, id);
  if (!task || task.status !== 'pending') return null;
  return saveTask(ctx, task, planClaim(task, options.owner, options.leaseMs, options.now));
}

export function extendLease(
  ctx: SqliteContext,
  id: string,
  owner: string,
  options: HeartbeatOptions,
): boolean {
  const task = readTask(ctx, id);
  const next = task && planHeartbeat(task, owner, options);
  if (!next) return false;
  saveTask(ctx, task, next);
  return true;
}

export function setBackend(
  ctx: SqliteContext,
  id: string,
  owner: string,
  change: { backend: string; upstream: StoredTask['upstream']; now: Date },
): boolean {
  const task = readTask(ctx, id);
  const next = task && planSetBackend(task, owner, change.backend, change.upstream, change.now);
  if (!next) return false;
  saveTask(ctx, task, next);
  return true;
}

export function transitionTask(
  ctx: SqliteContext,
  id: string,
  plan: (task: StoredTask) => Planned,
): TransitionResult {
  const task = readTask(ctx, id);
  if (!task) return { ok: false, reason: 'not_found' };
  const planned = plan(task);
  return planned.ok ? { ok: true, task: saveTask(ctx, task, planned.task) } : planned;
}

export function requeueExpired(ctx: SqliteContext, options: RequeueOptions): RequeueResult {
  const result: RequeueResult = { requeued: [], failed: [] };
  for (const row of ctx.sql.expiredLeases.all(options.now.getTime())) {
    const task = taskFromRow(row);
    const next = saveTask(ctx, task, planExpiredLease(task, options.maxAttempts, options.now));
    (next.status === 'failed' ? result.failed : result.requeued).push(next);
  }
  return result;
}

export function expireOffPeak(ctx: SqliteContext, options: ExpireOffPeakOptions): StoredTask[] {
  return ctx.sql.staleOffPeak.all(options.createdBefore.getTime()).map((row) => {
    const task = taskFromRow(row);
    // Failed, not cancelled: a client written for the hosted API stops waiting only on completed or failed.
    const planned = planFail(task, null, options.error, options.now);
    if (!planned.ok) throw new Error(`pending task ${row.id} refused to fail: ${planned.reason}`);
    return saveTask(ctx, task, planned.task);
  });
}

export function countTasksByStatus(ctx: SqliteContext): Record<TaskStatus, number> {
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
  for (const row of ctx.sql.countByStatus.all()) counts[row.status as TaskStatus] = row.count;
  return counts;
}

export function countPending(ctx: SqliteContext): number {
  return ctx.sql.queueDepth.get()?.count ?? 0;
}

export function deleteFinished(ctx: SqliteContext, date: Date): RetentionResult {
  const { sql } = ctx;
  const result: RetentionResult = { taskIds: [], blobKeys: [] };
  for (const row of sql.finishedBefore.all(date.getTime())) {
    sql.deleteDeliveriesOfTask.run(row.id);
    sql.deleteTask.run(row.id);
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

export function readExistingTaskIds(ctx: SqliteContext, ids: readonly string[]): string[] {
  if (ids.length === 0) return [];
  return ctx.sql.existingTaskIds.all(JSON.stringify(ids)).map((row) => row.id);
}

// Writes `next` over the row it was planned from (version - 1), so a change made in between is caught.
function saveTask(ctx: SqliteContext, before: StoredTask, next: StoredTask): StoredTask {
  const expected = next.version - 1;
  const { changes } = ctx.sql.updateTask.run({ ...taskToParams(next), expected_version: expected });
  if (changes !== 1) throw new VersionConflictError(next.id, expected);
  afterChange(ctx, before, next);
  return next;
}

// What a change moves besides the row, inside its transaction: the ledger entry and the callback, so a crash
// can never leave a status change without its money or its callback, nor the other way round.
function afterChange(ctx: SqliteContext, before: StoredTask | null, after: StoredTask): void {
  const { sql } = ctx;
  // Heartbeats and progress move neither money nor callbacks; they are most of the writes.
  if (before !== null && before.status === after.status) return;
  const held = before === null ? null : (sql.heldForTask.get(after.id)?.amount_micros ?? null);
  const entry = ledgerEntryFor(before, after, held);
  if (entry) {
    const at = after.updatedAt.getTime();
    sql.insertLedger.run(after.keyId, after.id, entry.kind, entry.amountMicros, at);
    const delta = balanceDelta(entry.kind, entry.amountMicros);
    if (delta !== 0) sql.adjustBalance.run(delta, after.keyId);
  }
  if (needsCallback(before, after)) {
    // A final change has already dropped the task's signing key; its last callback still needs it.
    const signingKey = after.callbackSigningKey ?? before?.callbackSigningKey ?? null;
    sql.insertDelivery.run(newDeliveryRow(newDeliveryId(), after, signingKey));
  }
}
