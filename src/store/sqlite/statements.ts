import type Database from 'better-sqlite3';
import type { AttemptRow, DeliveryRow } from './delivery-row.js';
import type { KeyAccountRow, LedgerRow, TaskMoneyRow } from './ledger-row.js';
import type { KeyRow, TaskParams, TaskRow } from './task-row.js';
import { prepareUpstreamStatements } from './upstream-statements.js';

const TASK_COLUMNS = [
  'id',
  'key_id',
  'model',
  'status',
  'progress',
  'request',
  'input_keys',
  'seed',
  'width',
  'height',
  'fps',
  'frames',
  'duration_seconds',
  'cost_micros',
  'discount',
  'off_peak',
  'callback_url',
  'callback_signing_key',
  'idempotency_key',
  'request_hash',
  'error_code',
  'error_message',
  'output_video_key',
  'output_cover_key',
  'output_duration',
  'recommended_prompt',
  'music',
  'backend',
  'upstream',
  'attempts',
  'lease_owner',
  'lease_expires_at',
  'created_at',
  'started_at',
  'completed_at',
  'updated_at',
  'version',
] as const;

// Columns a change may write; the id, owner key and creation time never change.
const MUTABLE_COLUMNS = TASK_COLUMNS.filter((column) => !['id', 'key_id', 'created_at'].includes(column));

const KEY_COLUMNS = [
  'id',
  'name',
  'secret_hash',
  'prefix',
  'created_at',
  'revoked_at',
  'balance_micros',
  'webhook_secret',
  'last_used_at',
  'previous_webhook_secret',
  'previous_webhook_secret_until',
] as const;

const DELIVERY_COLUMNS = [
  'id',
  'task_id',
  'key_id',
  'url',
  'event',
  'task',
  'payload',
  'state',
  'attempts',
  'next_attempt_at',
  'lease_owner',
  'lease_expires_at',
  'created_at',
  'delivered_at',
  'last_status',
  'last_error',
  'signing_key',
] as const;

// Sums per kind for a key's account; a key without entries sums to zero.
const ACCOUNT_COLUMNS = `
  k.id AS key_id,
  k.balance_micros AS balance_micros,
  COALESCE(SUM(CASE l.kind WHEN 'top_up' THEN l.amount_micros END), 0) AS topped_up,
  COALESCE(SUM(CASE l.kind WHEN 'hold' THEN l.amount_micros END), 0) AS held_total,
  COALESCE(SUM(CASE l.kind WHEN 'charge' THEN l.amount_micros END), 0) AS charged,
  COALESCE(SUM(CASE l.kind WHEN 'refund' THEN l.amount_micros END), 0) AS refunded,
  COALESCE(SUM(CASE l.kind WHEN 'credit' THEN l.amount_micros END), 0) AS credited,
  COALESCE(SUM(CASE l.kind WHEN 'debit' THEN l.amount_micros END), 0) AS debited`;

const FINAL = `('completed', 'failed', 'cancelled')`;

/**
 * Every statement the SQLite store runs, prepared once at open. Named parameters (`@name`) match the
 * `snake_case` columns so rows and parameters share one mapping (task-row.ts).
 */
export function prepareStatements(db: Database.Database) {
  return {
    insertTask: db.prepare<TaskParams>(
      `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${TASK_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    /** Writes every mutable column, only if nobody changed the row since it was read. */
    updateTask: db.prepare<TaskParams & { expected_version: number }>(
      `UPDATE tasks SET ${MUTABLE_COLUMNS.map((c) => `${c} = @${c}`).join(', ')}
       WHERE id = @id AND version = @expected_version`,
    ),
    getTask: db.prepare<[string], TaskRow>('SELECT * FROM tasks WHERE id = ?'),
    getTaskByIdempotencyKey: db.prepare<[string, string], TaskRow>(
      'SELECT * FROM tasks WHERE key_id = ? AND idempotency_key = ?',
    ),
    listTasks: db.prepare<
      { key_id: string; status: string | null; after_ms: number | null; after_id: string; limit: number },
      TaskRow
    >(
      `SELECT * FROM tasks
       WHERE key_id = @key_id
         AND (@status IS NULL OR status = @status)
         AND (@after_ms IS NULL OR created_at < @after_ms OR (created_at = @after_ms AND id < @after_id))
       ORDER BY created_at DESC, id DESC
       LIMIT @limit`,
    ),
    /** Normal tasks before off-peak ones (those run when the service is otherwise idle), oldest first. */
    nextPending: db.prepare<{ include_off_peak: number; models: string | null }, TaskRow>(
      `SELECT * FROM tasks
       WHERE status = 'pending' AND (off_peak = 0 OR @include_off_peak = 1)
         AND (@models IS NULL OR model IN (SELECT value FROM json_each(@models)))
       ORDER BY off_peak, created_at, id
       LIMIT 1`,
    ),
    expiredLeases: db.prepare<[number], TaskRow>(
      `SELECT * FROM tasks WHERE status = 'processing' AND lease_expires_at <= ? ORDER BY lease_expires_at, id`,
    ),
    staleOffPeak: db.prepare<[number], TaskRow>(
      `SELECT * FROM tasks WHERE status = 'pending' AND off_peak = 1 AND created_at < ? ORDER BY created_at, id`,
    ),
    countByStatus: db.prepare<[], { status: string; count: number }>(
      'SELECT status, COUNT(*) AS count FROM tasks GROUP BY status',
    ),
    queueDepth: db.prepare<[], { count: number }>(
      `SELECT COUNT(*) AS count FROM tasks WHERE status = 'pending'`,
    ),
    activeTasksOfKey: db.prepare<[string], { count: number }>(
      `SELECT COUNT(*) AS count FROM tasks WHERE key_id = ? AND status IN ('pending', 'processing')`,
    ),
    finishedBefore: db.prepare<
      [number],
      Pick<TaskRow, 'id' | 'input_keys' | 'output_video_key' | 'output_cover_key'>
    >(
      `SELECT id, input_keys, output_video_key, output_cover_key FROM tasks
       WHERE status IN ${FINAL} AND completed_at < ?
         -- A callback still being retried keeps its task (and the snapshot it sends) until it is done.
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.task_id = tasks.id AND d.state = 'pending')`,
    ),
    deleteTask: db.prepare<[string]>('DELETE FROM tasks WHERE id = ?'),
    /** Which of a JSON array of task ids have a row. */
    existingTaskIds: db.prepare<[string], { id: string }>(
      'SELECT id FROM tasks WHERE id IN (SELECT value FROM json_each(?))',
    ),

    insertKey: db.prepare<KeyRow>(
      `INSERT INTO api_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    getKey: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    findKeyByHash: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE secret_hash = ?'),
    listKeys: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id'),
    revokeKey: db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    rotateWebhookSecret: db.prepare<{ id: string; secret: string; until: number }>(
      `UPDATE api_keys SET previous_webhook_secret = webhook_secret, previous_webhook_secret_until = @until,
         webhook_secret = @secret
       WHERE id = @id`,
    ),
    touchKey: db.prepare<[number, string]>('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    /** Changes a limited key's balance; unlimited keys (NULL) stay unlimited. */
    adjustBalance: db.prepare<[number, string]>(
      'UPDATE api_keys SET balance_micros = balance_micros + ? WHERE id = ? AND balance_micros IS NOT NULL',
    ),

    insertLedger: db.prepare<[string, string | null, string, number, number]>(
      `INSERT INTO ledger_entries (key_id, task_id, kind, amount_micros, created_at) VALUES (?, ?, ?, ?, ?)`,
    ),
    /** A money call's entry: a top-up or an adjustment, with its reason and idempotency key when it has them. */
    insertMoneyEntry: db.prepare<{
      key_id: string;
      kind: string;
      amount_micros: number;
      created_at: number;
      reason: string | null;
      idempotency_key: string | null;
      request_hash: string | null;
    }>(
      `INSERT INTO ledger_entries (key_id, task_id, kind, amount_micros, created_at, reason, idempotency_key, request_hash)
       VALUES (@key_id, NULL, @kind, @amount_micros, @created_at, @reason, @idempotency_key, @request_hash)`,
    ),
    ledgerEntry: db.prepare<[number], LedgerRow>('SELECT * FROM ledger_entries WHERE id = ?'),
    ledgerByIdempotencyKey: db.prepare<[string], LedgerRow>(
      'SELECT * FROM ledger_entries WHERE idempotency_key = ?',
    ),
    heldForTask: db.prepare<[string], { amount_micros: number }>(
      `SELECT amount_micros FROM ledger_entries WHERE task_id = ? AND kind = 'hold'`,
    ),
    keyAccount: db.prepare<[string], KeyAccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM api_keys k LEFT JOIN ledger_entries l ON l.key_id = k.id
       WHERE k.id = ? GROUP BY k.id`,
    ),
    keyAccounts: db.prepare<[], KeyAccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM api_keys k LEFT JOIN ledger_entries l ON l.key_id = k.id
       GROUP BY k.id ORDER BY k.created_at, k.id`,
    ),
    listLedger: db.prepare<{ key_id: string; before_id: number | null; limit: number }, LedgerRow>(
      `SELECT * FROM ledger_entries WHERE key_id = @key_id AND (@before_id IS NULL OR id < @before_id)
       ORDER BY id DESC LIMIT @limit`,
    ),
    /** Every task with what the ledger holds, charged and refunded for it, for the audit. */
    taskMoney: db.prepare<[], TaskMoneyRow>(
      `SELECT t.id, t.key_id, t.status, t.cost_micros,
         (SELECT COUNT(*) FROM ledger_entries e WHERE e.task_id = t.id AND e.key_id <> t.key_id) AS foreign_entries,
         h.amount_micros AS hold, c.amount_micros AS charge, r.amount_micros AS refund
       FROM tasks t
       LEFT JOIN ledger_entries h ON h.task_id = t.id AND h.kind = 'hold'
       LEFT JOIN ledger_entries c ON c.task_id = t.id AND c.kind = 'charge'
       LEFT JOIN ledger_entries r ON r.task_id = t.id AND r.kind = 'refund'`,
    ),

    insertDelivery: db.prepare<DeliveryRow>(
      `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS.join(', ')})
       VALUES (${DELIVERY_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    dueDeliveries: db.prepare<{ now: number; limit: number }, DeliveryRow>(
      `SELECT * FROM webhook_deliveries
       WHERE state = 'pending' AND next_attempt_at <= @now
         AND (lease_expires_at IS NULL OR lease_expires_at <= @now)
       ORDER BY next_attempt_at, created_at, rowid
       LIMIT @limit`,
    ),
    renewDeliveryLease: db.prepare<{ id: string; owner: string; now: number; until: number }>(
      `UPDATE webhook_deliveries SET lease_expires_at = @until
       WHERE id = @id AND lease_owner = @owner AND lease_expires_at > @now AND state = 'pending'`,
    ),
    keepDeliveryPayload: db.prepare<{ id: string; owner: string; now: number; payload: string }>(
      `UPDATE webhook_deliveries SET payload = COALESCE(payload, @payload)
       WHERE id = @id AND lease_owner = @owner AND lease_expires_at > @now AND state = 'pending'
       RETURNING payload`,
    ),
    leaseDelivery: db.prepare<[string, number, string]>(
      'UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ? WHERE id = ?',
    ),
    recordDelivery: db.prepare<{
      id: string;
      owner: string;
      payload: string;
      state: string;
      attempts: number;
      next_attempt_at: number | null;
      delivered_at: number | null;
      last_status: number | null;
      last_error: string | null;
    }>(
      `UPDATE webhook_deliveries
       SET payload = COALESCE(payload, @payload), state = @state, attempts = @attempts,
           next_attempt_at = @next_attempt_at, delivered_at = @delivered_at, last_status = @last_status,
           last_error = @last_error, lease_owner = NULL, lease_expires_at = NULL,
           signing_key = CASE WHEN @state = 'pending' THEN signing_key END
       WHERE id = @id AND lease_owner = @owner AND state = 'pending'`,
    ),
    getDelivery: db.prepare<[string], DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?'),
    insertAttempt: db.prepare<AttemptRow>(
      `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, http_status, error)
       VALUES (@delivery_id, @attempt, @started_at, @duration_ms, @http_status, @error)`,
    ),
    deliveriesOfTask: db.prepare<[string], DeliveryRow>(
      'SELECT * FROM webhook_deliveries WHERE task_id = ? ORDER BY created_at, rowid',
    ),
    attemptsOfTask: db.prepare<[string], AttemptRow>(
      `SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE d.task_id = ? ORDER BY a.delivery_id, a.attempt`,
    ),
    countDeliveriesByState: db.prepare<[], { state: string; count: number }>(
      'SELECT state, COUNT(*) AS count FROM webhook_deliveries GROUP BY state',
    ),
    deleteDeliveriesOfTask: db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE task_id = ?'),
    ...prepareUpstreamStatements(db),
  };
}

/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareStatements>;
