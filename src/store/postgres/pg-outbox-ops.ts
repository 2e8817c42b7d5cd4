import {
  attemptFromRow,
  attemptToRow,
  deliveryFromRow,
  type AttemptRow,
  type DeliveryRow,
} from '../sqlite/delivery-row.js';
import type {
  ClaimDeliveriesOptions,
  DeliveryLogEntry,
  DeliveryOutcome,
  DeliveryState,
  WebhookDelivery,
} from '../webhook-outbox.js';
import type { PgContext } from './pg-context.js';
import { SQL } from './pg-sql.js';

// The callback outbox half of the PostgreSQL store. Every function runs inside the transaction its caller opened.

export async function claimDue(ctx: PgContext, options: ClaimDeliveriesOptions): Promise<WebhookDelivery[]> {
  const now = options.now.getTime();
  const { rows } = await ctx.client.query<DeliveryRow>(SQL.lockDueDeliveries, [
    now,
    Math.max(1, options.limit),
  ]);
  if (rows.length > 0) {
    await ctx.client.query(SQL.leaseDeliveries, [
      options.owner,
      now + options.leaseMs,
      rows.map((row) => row.id),
    ]);
  }
  return rows.map(deliveryFromRow);
}

export async function renewLease(
  ctx: PgContext,
  id: string,
  owner: string,
  now: Date,
  until: Date,
): Promise<boolean> {
  const { rowCount } = await ctx.client.query(SQL.renewDeliveryLease, [
    id,
    owner,
    now.getTime(),
    until.getTime(),
  ]);
  return rowCount === 1;
}

export async function keepPayload(
  ctx: PgContext,
  id: string,
  owner: string,
  now: Date,
  payload: string,
): Promise<string | null> {
  const { rows } = await ctx.client.query<{ payload: string }>(SQL.keepDeliveryPayload, [
    id,
    owner,
    now.getTime(),
    payload,
  ]);
  return rows[0]?.payload ?? null;
}

export async function recordAttempt(
  ctx: PgContext,
  id: string,
  owner: string,
  outcome: DeliveryOutcome,
): Promise<boolean> {
  const { attempt } = outcome;
  const finished = attempt.startedAt.getTime() + attempt.durationMs;
  const state = outcome.delivered ? 'delivered' : outcome.nextAttemptAt ? 'pending' : 'failed';
  const { rowCount } = await ctx.client.query(SQL.recordDelivery, [
    id,
    owner,
    outcome.payload,
    state,
    attempt.attempt,
    state === 'pending' ? (outcome.nextAttemptAt?.getTime() ?? null) : null,
    outcome.delivered ? finished : null,
    attempt.httpStatus,
    attempt.error,
  ]);
  if (rowCount !== 1) return false;
  const row = attemptToRow(attempt);
  await ctx.client.query(SQL.insertAttempt, [
    row.delivery_id,
    row.attempt,
    row.started_at,
    row.duration_ms,
    row.http_status,
    row.error,
  ]);
  return true;
}

/** Run in one repeatable-read transaction, so the attempts belong to the deliveries read. */
export async function readDeliveries(ctx: PgContext, taskId: string): Promise<DeliveryLogEntry[]> {
  const attempts = (await ctx.client.query<AttemptRow>(SQL.attemptsOfTask, [taskId])).rows.map(
    attemptFromRow,
  );
  const { rows } = await ctx.client.query<DeliveryRow>(SQL.deliveriesOfTask, [taskId]);
  return rows.map((row) => ({
    ...deliveryFromRow(row),
    attemptLog: attempts.filter((attempt) => attempt.deliveryId === row.id),
  }));
}

export async function countByState(ctx: PgContext): Promise<Record<DeliveryState, number>> {
  const counts = { pending: 0, delivered: 0, failed: 0 };
  const { rows } = await ctx.client.query<{ state: string; count: number }>(SQL.countDeliveriesByState);
  for (const row of rows) counts[row.state as DeliveryState] = row.count;
  return counts;
}
