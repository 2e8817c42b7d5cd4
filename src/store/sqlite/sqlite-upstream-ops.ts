import { isTaskStatus } from '../../contract/index.js';
import type {
  AbandonedAttemptsQuery,
  AbandonedUpstreamAttempt,
  NewUpstreamAttempt,
  UpstreamAttempt,
  UpstreamAttemptChange,
  UpstreamAttemptState,
  UpstreamCost,
} from '../upstream-attempts.js';
import { upstreamTag, UPSTREAM_ATTEMPT_STATES } from '../upstream-attempts.js';
import type { SqliteContext } from './sqlite-context.js';
import type { AbandonedAttemptRow, UpstreamAttemptRow } from './upstream-statements.js';

// The upstream half of the SQLite store. Every function runs inside the transaction its caller opened.

export function insertAttempt(ctx: SqliteContext, attempt: NewUpstreamAttempt): UpstreamAttempt {
  const number = (ctx.sql.lastUpstreamAttempt.get(attempt.taskId)?.attempt ?? 0) + 1;
  const at = attempt.now.getTime();
  const row: UpstreamAttemptRow = {
    task_id: attempt.taskId,
    attempt: number,
    key_id: attempt.keyId,
    provider: attempt.provider,
    model: attempt.model,
    tag: upstreamTag(attempt.taskId, number),
    state: 'submitting',
    upstream_task_id: null,
    credits: null,
    cost_micros: null,
    reason: null,
    cancel_claimed_at: null,
    created_at: at,
    updated_at: at,
  };
  // The partial unique index refuses a second open attempt of the task.
  ctx.sql.insertUpstreamAttempt.run(row);
  return attemptFromRow(row);
}

export function changeAttempt(
  ctx: SqliteContext,
  taskId: string,
  attempt: number,
  change: UpstreamAttemptChange,
  now: Date,
): void {
  const row = ctx.sql.getUpstreamAttempt.get(taskId, attempt);
  if (!row) throw new Error(`Task ${taskId} has no upstream attempt ${attempt}`);
  ctx.sql.updateUpstreamAttempt.run({
    ...row,
    state: change.state ?? row.state,
    upstream_task_id: change.upstreamTaskId ?? row.upstream_task_id,
    credits: change.credits ?? row.credits,
    cost_micros: change.costMicros ?? row.cost_micros,
    reason: change.reason ?? row.reason,
    updated_at: now.getTime(),
  });
}

export function readAttempts(ctx: SqliteContext, taskId: string): UpstreamAttempt[] {
  return ctx.sql.upstreamAttemptsOfTask.all(taskId).map(attemptFromRow);
}

export function readCost(ctx: SqliteContext, keyId: string): UpstreamCost {
  const row = ctx.sql.upstreamCostOfKey.get(keyId);
  return { credits: row?.credits ?? 0, costMicros: row?.cost_micros ?? 0 };
}

export function readAbandoned(ctx: SqliteContext, query: AbandonedAttemptsQuery): AbandonedUpstreamAttempt[] {
  return ctx.sql.abandonedUpstreamAttempts
    .all({
      providers: JSON.stringify(query.providers),
      claimed_before: query.claimedBefore.getTime(),
      submitted_before: query.submittedBefore.getTime(),
      limit: query.limit,
    })
    .map(abandonedFromRow);
}

export function claimCancel(
  ctx: SqliteContext,
  taskId: string,
  attempt: number,
  now: Date,
  staleBefore: Date,
): boolean {
  const { changes } = ctx.sql.claimUpstreamCancel.run({
    task_id: taskId,
    attempt,
    now: now.getTime(),
    stale_before: staleBefore.getTime(),
  });
  return changes === 1;
}

/** Shared with the PostgreSQL store, whose rows have the same columns. */
export function abandonedFromRow(row: AbandonedAttemptRow): AbandonedUpstreamAttempt {
  const { task_status: status, ...attempt } = row;
  if (status !== null && !isTaskStatus(status)) {
    throw new Error(`Task ${row.task_id} has an unknown state ${status}`);
  }
  return { attempt: attemptFromRow(attempt), taskStatus: status };
}

export function attemptFromRow(row: UpstreamAttemptRow): UpstreamAttempt {
  if (!(UPSTREAM_ATTEMPT_STATES as readonly string[]).includes(row.state)) {
    throw new Error(`Upstream attempt ${row.tag} has an unknown state ${row.state}`);
  }
  return {
    taskId: row.task_id,
    attempt: row.attempt,
    keyId: row.key_id,
    provider: row.provider,
    model: row.model,
    tag: row.tag,
    state: row.state as UpstreamAttemptState,
    upstreamTaskId: row.upstream_task_id,
    credits: row.credits,
    costMicros: row.cost_micros,
    reason: row.reason,
    cancelClaimedAt: row.cancel_claimed_at === null ? null : new Date(row.cancel_claimed_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
