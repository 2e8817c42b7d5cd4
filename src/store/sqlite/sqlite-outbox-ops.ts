import type {
  ClaimDeliveriesOptions,
  DeliveryLogEntry,
  DeliveryOutcome,
  DeliveryState,
  WebhookDelivery,
} from '../webhook-outbox.js';
import { attemptFromRow, attemptToRow, deliveryFromRow } from './delivery-row.js';
import type { SqliteContext } from './sqlite-context.js';

// The callback outbox half of the SQLite store. Every function runs inside the transaction its caller opened.

export function claimDue(ctx: SqliteContext, options: ClaimDeliveriesOptions): WebhookDelivery[] {
  const now = options.now.getTime();
  const rows = ctx.sql.dueDeliveries.all({ now, limit: Math.max(1, options.limit) });
  for (const row of rows) ctx.sql.leaseDelivery.run(options.owner, now + options.leaseMs, row.id);
  return rows.map(deliveryFromRow);
}

export function renewLease(ctx: SqliteContext, id: string, owner: string, now: Date, until: Date): boolean {
  return (
    ctx.sql.renewDeliveryLease.run({ id, owner, now: now.getTime(), until: until.getTime() }).changes === 1
  );
}

export function keepPayload(
  ctx: SqliteContext,
  id: string,
  owner: string,
  now: Date,
  payload: string,
): string | null {
  const row = ctx.sql.keepDeliveryPayload.get({ id, owner, now: now.getTime(), payload }) as
    { payload: string } | undefined;
  return row?.payload ?? null;
}

export function recordAttempt(
  ctx: SqliteContext,
  id: string,
  owner: string,
  outcome: DeliveryOutcome,
): boolean {
  const { attempt } = outcome;
  const finished = attempt.startedAt.getTime() + attempt.durationMs;
  const state = outcome.delivered ? 'delivered' : outcome.nextAttemptAt ? 'pending' : 'failed';
  const { changes } = ctx.sql.recordDelivery.run({
    id,
    owner,
    payload: outcome.payload,
    state,
    attempts: attempt.attempt,
    next_attempt_at: state === 'pending' ? (outcome.nextAttemptAt?.getTime() ?? null) : null,
    delivered_at: outcome.delivered ? finished : null,
    last_status: attempt.httpStatus,
    last_error: attempt.error,
  });
  if (changes !== 1) return false;
  ctx.sql.insertAttempt.run(attemptToRow(attempt));
  return true;
}

/** Run in one read transaction, so the attempts belong to the deliveries read. */
export function readDeliveries(ctx: SqliteContext, taskId: string): DeliveryLogEntry[] {
  const attempts = ctx.sql.attemptsOfTask.all(taskId).map(attemptFromRow);
  return ctx.sql.deliveriesOfTask.all(taskId).map((row) => ({
    ...deliveryFromRow(row),
    attemptLog: attempts.filter((attempt) => attempt.deliveryId === row.id),
  }));
}

export function countByState(ctx: SqliteContext): Record<DeliveryState, number> {
  const counts = { pending: 0, delivered: 0, failed: 0 };
  for (const row of ctx.sql.countDeliveriesByState.all()) counts[row.state as DeliveryState] = row.count;
  return counts;
}
