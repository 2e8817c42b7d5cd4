import { abandonedFromRow, attemptFromRow } from '../sqlite/sqlite-upstream-ops.js';
import type { AbandonedAttemptRow, UpstreamAttemptRow } from '../sqlite/upstream-statements.js';
import {
  upstreamTag,
  type AbandonedAttemptsQuery,
  type AbandonedUpstreamAttempt,
  type NewUpstreamAttempt,
  type UpstreamAttempt,
  type UpstreamAttemptChange,
  type UpstreamCost,
} from '../upstream-attempts.js';
import type { PgContext } from './pg-context.js';
import { insertRow, SQL } from './pg-sql.js';

// The upstream half of the PostgreSQL store. Every function runs inside the transaction its caller opened.

export async function insertAttempt(ctx: PgContext, attempt: NewUpstreamAttempt): Promise<UpstreamAttempt> {
  const { client } = ctx;
  // Held until COMMIT: a racing recorder of the same task waits, then numbers after this attempt and meets the
  // unique index on open attempts, as the second writer does on SQLite.
  await client.query(SQL.lockUpstreamAttempts, [attempt.taskId]);
  const last = (await client.query<{ attempt: number | null }>(SQL.lastUpstreamAttempt, [attempt.taskId]))
    .rows[0];
  const number = (last?.attempt ?? 0) + 1;
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
  await client.query(...insertRow('upstream_attempts', { ...row }));
  return attemptFromRow(row);
}

export async function changeAttempt(
  ctx: PgContext,
  taskId: string,
  attempt: number,
  change: UpstreamAttemptChange,
  now: Date,
): Promise<void> {
  const { rowCount } = await ctx.client.query(SQL.updateUpstreamAttempt, [
    taskId,
    attempt,
    change.state ?? null,
    change.upstreamTaskId ?? null,
    change.credits ?? null,
    change.costMicros ?? null,
    change.reason ?? null,
    now.getTime(),
  ]);
  if (rowCount !== 1) throw new Error(`Task ${taskId} has no upstream attempt ${attempt}`);
}

export async function readAttempts(ctx: PgContext, taskId: string): Promise<UpstreamAttempt[]> {
  const { rows } = await ctx.client.query<UpstreamAttemptRow>(SQL.upstreamAttemptsOfTask, [taskId]);
  return rows.map(attemptFromRow);
}

export async function readCost(ctx: PgContext, keyId: string): Promise<UpstreamCost> {
  const { rows } = await ctx.client.query<{ credits: number; cost_micros: number }>(SQL.upstreamCostOfKey, [
    keyId,
  ]);
  return { credits: rows[0]?.credits ?? 0, costMicros: rows[0]?.cost_micros ?? 0 };
}

export async function readAbandoned(
  ctx: PgContext,
  query: AbandonedAttemptsQuery,
): Promise<AbandonedUpstreamAttempt[]> {
  const { rows } = await ctx.client.query<AbandonedAttemptRow>(SQL.abandonedUpstreamAttempts, [
    query.providers,
    query.claimedBefore.getTime(),
    query.submittedBefore.getTime(),
    query.limit,
  ]);
  return rows.map(abandonedFromRow);
}

export async function claimCancel(
  ctx: PgContext,
  taskId: string,
  attempt: number,
  now: Date,
  staleBefore: Date,
): Promise<boolean> {
  const { rowCount } = await ctx.client.query(SQL.claimUpstreamCancel, [
    taskId,
    attempt,
    now.getTime(),
    staleBefore.getTime(),
  ]);
  return rowCount === 1;
}
