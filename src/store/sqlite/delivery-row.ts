import type { DeliveryAttempt, DeliveryState, WebhookDelivery } from '../webhook-outbox.js';
import type { TaskStatus } from '../../contract/index.js';
import { taskFromRow, taskToParams, type TaskRow } from './task-row.js';

/** A `webhook_deliveries` row as SQLite returns it; `task` is the task row as JSON. */
export interface DeliveryRow {
  id: string;
  task_id: string;
  key_id: string;
  url: string;
  event: string;
  task: string;
  payload: string | null;
  state: string;
  attempts: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string | null;
  signing_key: string | null;
}

/** A `webhook_attempts` row. */
export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
}

/**
 * A new delivery's row: due at once, nothing tried yet. `signingKey` is the task's sealed Vidu signing key (the
 * task may have just dropped it on reaching a final state); the task snapshot never carries it.
 */
export function newDeliveryRow(
  id: string,
  task: Parameters<typeof taskToParams>[0],
  signingKey: string | null = task.callbackSigningKey,
): DeliveryRow {
  const now = task.updatedAt.getTime();
  return {
    id,
    task_id: task.id,
    key_id: task.keyId,
    url: task.callbackUrl ?? '',
    event: task.status,
    task: JSON.stringify({ ...taskToParams(task), callback_signing_key: null }),
    payload: null,
    state: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_expires_at: null,
    created_at: now,
    delivered_at: null,
    last_status: null,
    last_error: null,
    signing_key: signingKey,
  };
}

export function deliveryFromRow(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    taskId: row.task_id,
    keyId: row.key_id,
    url: row.url,
    event: row.event as TaskStatus,
    task: taskFromRow(JSON.parse(row.task) as TaskRow),
    signingKey: row.signing_key,
    payload: row.payload,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
    createdAt: new Date(row.created_at),
    deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
  };
}

export function attemptFromRow(row: AttemptRow): DeliveryAttempt {
  return {
    deliveryId: row.delivery_id,
    attempt: row.attempt,
    startedAt: new Date(row.started_at),
    durationMs: row.duration_ms,
    httpStatus: row.http_status,
    error: row.error,
  };
}

export function attemptToRow(attempt: DeliveryAttempt): AttemptRow {
  return {
    delivery_id: attempt.deliveryId,
    attempt: attempt.attempt,
    started_at: attempt.startedAt.getTime(),
    duration_ms: attempt.durationMs,
    http_status: attempt.httpStatus,
    error: attempt.error,
  };
}
