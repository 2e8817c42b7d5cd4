// Every statement of the PostgreSQL store, in one place. Rows come back with the SQLite adapter's column names
// and types (see migrations/), so one row mapping serves both adapters.

const FINAL = `('completed', 'failed', 'cancelled')`;

/** `INSERT INTO table (a, b) VALUES ($1, $2)` for a row object; values in the same order. */
export function insertRow(table: string, row: Readonly<Record<string, unknown>>): [string, unknown[]] {
  const columns = Object.keys(row);
  const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
  return [text, columns.map((column) => row[column])];
}

// The id, owner key and creation time of a task never change.
const IMMUTABLE_TASK_COLUMNS = new Set(['id', 'key_id', 'created_at']);

/** Writes every mutable column of a task row, only if nobody changed the row since it was read. */
export function updateTaskRow(
  row: Readonly<Record<string, unknown>>,
  expectedVersion: number,
): [string, unknown[]] {
  const columns = Object.keys(row).filter((column) => !IMMUTABLE_TASK_COLUMNS.has(column));
  const sets = columns.map((column, i) => `${column} = $${i + 3}`).join(', ');
  return [
    `UPDATE tasks SET ${sets} WHERE id = $1 AND version = $2`,
    [row.id, expectedVersion, ...columns.map((column) => row[column])],
  ];
}

export const SQL = {
  getTask: 'SELECT * FROM tasks WHERE id = $1',
  /** The row, locked until the transaction ends, so a racing change waits and then plans from what won. */
  lockTask: 'SELECT * FROM tasks WHERE id = $1 FOR UPDATE',
  getTaskByIdempotencyKey: 'SELECT * FROM tasks WHERE key_id = $1 AND idempotency_key = $2',
  listTasks: `SELECT * FROM tasks
    WHERE key_id = $1
      AND ($2::text IS NULL OR status = $2)
      AND ($3::bigint IS NULL OR created_at < $3 OR (created_at = $3 AND id < $4))
    ORDER BY created_at DESC, id DESC
    LIMIT $5`,
  /** Normal tasks before off-peak ones, oldest first; a row another claim holds is skipped, not waited for. */
  claimNextPending: `SELECT * FROM tasks
    WHERE status = 'pending' AND (off_peak = 0 OR $1::boolean)
      -- Only models with a backend free now, when the caller names them.
      AND ($2::text[] IS NULL OR model = ANY($2::text[]))
    ORDER BY off_peak, created_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED`,
  lockExpiredLeases: `SELECT * FROM tasks WHERE status = 'processing' AND lease_expires_at <= $1
    ORDER BY lease_expires_at, id FOR UPDATE SKIP LOCKED`,
  lockStaleOffPeak: `SELECT * FROM tasks WHERE status = 'pending' AND off_peak = 1 AND created_at < $1
    ORDER BY created_at, id FOR UPDATE SKIP LOCKED`,
  countByStatus: 'SELECT status, COUNT(*) AS count FROM tasks GROUP BY status',
  queueDepth: `SELECT COUNT(*) AS count FROM tasks WHERE status = 'pending'`,
  activeTasksOfKey: `SELECT COUNT(*) AS count FROM tasks WHERE key_id = $1 AND status IN ('pending', 'processing')`,
  lockFinishedBefore: `SELECT id, input_keys, output_video_key, output_cover_key FROM tasks
    WHERE status IN ${FINAL} AND completed_at < $1
      -- A callback still being retried keeps its task (and the snapshot it sends) until it is done.
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.task_id = tasks.id AND d.state = 'pending')
    FOR UPDATE SKIP LOCKED`,
  deleteTask: 'DELETE FROM tasks WHERE id = $1',
  existingTaskIds: 'SELECT id FROM tasks WHERE id = ANY($1::text[])',
  /**
   * Serialises the inserts that check the queue limit (all of them, across processes), for the rest of the
   * transaction: two creates counting the same queue would otherwise both see room for one.
   */
  lockQueueLimit: `SELECT pg_advisory_xact_lock(hashtext('inbetween.queue-limit'))`,

  getKey: 'SELECT * FROM api_keys WHERE id = $1',
  /**
   * The key row, locked: inserts of one key, top-ups and holds on its balance happen one after another. NO KEY
   * UPDATE, the lock a balance UPDATE takes, leaves the foreign-key checks of other transactions free.
   */
  lockKey: 'SELECT * FROM api_keys WHERE id = $1 FOR NO KEY UPDATE',
  findKeyByHash: 'SELECT * FROM api_keys WHERE secret_hash = $1',
  listKeys: 'SELECT * FROM api_keys ORDER BY created_at, id',
  revokeKey: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  rotateWebhookSecret: `UPDATE api_keys SET previous_webhook_secret = webhook_secret,
      previous_webhook_secret_until = $3, webhook_secret = $2
    WHERE id = $1 RETURNING *`,
  touchKey: 'UPDATE api_keys SET last_used_at = $1 WHERE id = $2',
  /** Changes a limited key's balance; unlimited keys (NULL) stay unlimited. */
  adjustBalance:
    'UPDATE api_keys SET balance_micros = balance_micros + $1 WHERE id = $2 AND balance_micros IS NOT NULL',

  insertLedger: `INSERT INTO ledger_entries (key_id, task_id, kind, amount_micros, created_at)
    VALUES ($1, $2, $3, $4, $5)`,
  /** A money call's entry: a top-up or an adjustment, with its reason and idempotency key when it has them. */
  insertMoneyEntry: `INSERT INTO ledger_entries
      (key_id, task_id, kind, amount_micros, created_at, reason, idempotency_key, request_hash)
    VALUES ($1, NULL, $2, $3, $4, $5, $6, $7) RETURNING *`,
  ledgerByIdempotencyKey: 'SELECT * FROM ledger_entries WHERE idempotency_key = $1',
  /**
   * Serialises the money calls under one idempotency key (keys are unique across the ledger, so across API keys
   * too) until COMMIT: the second waits, then finds the first one's entry and replays it instead of meeting the
   * unique index.
   */
  lockMoneyIdempotency: `SELECT pg_advisory_xact_lock(hashtext('inbetween.money-idempotency'), hashtext($1))`,
  heldForTask: `SELECT amount_micros FROM ledger_entries WHERE task_id = $1 AND kind = 'hold'`,
  keyAccounts: `SELECT k.id AS key_id, k.balance_micros AS balance_micros,
      COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'top_up'), 0)::bigint AS topped_up,
      COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'hold'), 0)::bigint AS held_total,
      COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'charge'), 0)::bigint AS charged,
      COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'refund'), 0)::bigint AS refunded,
      COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'credit'), 0)::bigint AS credited,
      COALESCE(SUM(l.amount_micros) FILTER (WHERE l.kind = 'debit'), 0)::bigint AS debited
    FROM api_keys k LEFT JOIN ledger_entries l ON l.key_id = k.id
    WHERE ($1::text IS NULL OR k.id = $1)
    GROUP BY k.id ORDER BY k.created_at, k.id`,
  listLedger: `SELECT * FROM ledger_entries WHERE key_id = $1 AND ($2::bigint IS NULL OR id < $2)
    ORDER BY id DESC LIMIT $3`,
  /** Every task with what the ledger holds, charged and refunded for it, for the audit. */
  taskMoney: `SELECT t.id, t.key_id, t.status, t.cost_micros,
      (SELECT COUNT(*) FROM ledger_entries e WHERE e.task_id = t.id AND e.key_id <> t.key_id) AS foreign_entries,
      h.amount_micros AS hold, c.amount_micros AS charge, r.amount_micros AS refund
    FROM tasks t
    LEFT JOIN ledger_entries h ON h.task_id = t.id AND h.kind = 'hold'
    LEFT JOIN ledger_entries c ON c.task_id = t.id AND c.kind = 'charge'
    LEFT JOIN ledger_entries r ON r.task_id = t.id AND r.kind = 'refund'
    ORDER BY t.created_at, t.id`,

  /** Due deliveries, oldest due first; one another dispatcher is leasing right now is skipped. */
  lockDueDeliveries: `SELECT * FROM webhook_deliveries
    WHERE state = 'pending' AND next_attempt_at <= $1
      AND (lease_expires_at IS NULL OR lease_expires_at <= $1)
    ORDER BY next_attempt_at, created_at, seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED`,
  leaseDeliveries: 'UPDATE webhook_deliveries SET lease_owner = $1, lease_expires_at = $2 WHERE id = ANY($3)',
  renewDeliveryLease: `UPDATE webhook_deliveries SET lease_expires_at = $4
    WHERE id = $1 AND lease_owner = $2 AND lease_expires_at > $3 AND state = 'pending'`,
  keepDeliveryPayload: `UPDATE webhook_deliveries SET payload = COALESCE(payload, $4)
    WHERE id = $1 AND lease_owner = $2 AND lease_expires_at > $3 AND state = 'pending'
    RETURNING payload`,
  recordDelivery: `UPDATE webhook_deliveries
    SET payload = COALESCE(payload, $3), state = $4, attempts = $5, next_attempt_at = $6, delivered_at = $7,
        last_status = $8, last_error = $9, lease_owner = NULL, lease_expires_at = NULL,
        -- The sealed signing key stays only while another attempt may need it.
        signing_key = CASE WHEN $4::text = 'pending' THEN signing_key END
    WHERE id = $1 AND lease_owner = $2 AND state = 'pending'`,
  insertAttempt: `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, http_status, error)
    VALUES ($1, $2, $3, $4, $5, $6)`,
  deliveriesOfTask: 'SELECT * FROM webhook_deliveries WHERE task_id = $1 ORDER BY created_at, seq',
  attemptsOfTask: `SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
    WHERE d.task_id = $1 ORDER BY a.delivery_id, a.attempt`,
  countDeliveriesByState: 'SELECT state, COUNT(*) AS count FROM webhook_deliveries GROUP BY state',
  deleteDeliveriesOfTask: 'DELETE FROM webhook_deliveries WHERE task_id = $1',

  /**
   * Serialises the attempts of one task (across processes) for the rest of the transaction, as SQLite's
   * immediate transaction does: numbering reads the last attempt, so two recorders must not read it together.
   * An advisory lock, not the task row's, since the attempts outlive their task.
   */
  lockUpstreamAttempts: `SELECT pg_advisory_xact_lock(hashtext('inbetween.upstream-attempts'), hashtext($1))`,
  lastUpstreamAttempt: 'SELECT MAX(attempt) AS attempt FROM upstream_attempts WHERE task_id = $1',
  /** Absent fields (NULL) keep what the attempt has. */
  updateUpstreamAttempt: `UPDATE upstream_attempts SET state = COALESCE($3, state),
      upstream_task_id = COALESCE($4, upstream_task_id), credits = COALESCE($5, credits),
      cost_micros = COALESCE($6, cost_micros), reason = COALESCE($7, reason), updated_at = $8
    WHERE task_id = $1 AND attempt = $2`,
  upstreamAttemptsOfTask: 'SELECT * FROM upstream_attempts WHERE task_id = $1 ORDER BY attempt',
  upstreamCostOfKey: `SELECT COALESCE(SUM(credits), 0)::double precision AS credits,
      COALESCE(SUM(cost_micros), 0)::bigint AS cost_micros
    FROM upstream_attempts WHERE key_id = $1`,
  /** $1 providers, $2 claimed before, $3 submitted before, $4 limit; as SQLite's abandonedUpstreamAttempts. */
  abandonedUpstreamAttempts: `SELECT a.*, t.status AS task_status
    FROM upstream_attempts a LEFT JOIN tasks t ON t.id = a.task_id
    WHERE a.state IN ('submitting', 'accepted') AND (t.id IS NULL OR t.status IN ('completed', 'failed', 'cancelled'))
      AND (a.cancel_claimed_at IS NULL OR a.cancel_claimed_at < $2)
      AND (a.state = 'accepted' OR a.updated_at < $3)
      AND a.provider = ANY($1::text[])
    ORDER BY a.updated_at, a.task_id, a.attempt LIMIT $4`,
  /**
   * One UPDATE: a second claimer waits on the row lock, then finds the claim taken and changes nothing, so only
   * one process calls the provider's cancel.
   */
  claimUpstreamCancel: `UPDATE upstream_attempts SET cancel_claimed_at = $3
    WHERE task_id = $1 AND attempt = $2 AND state IN ('submitting', 'accepted')
      AND (cancel_claimed_at IS NULL OR cancel_claimed_at < $4)`,
} as const;
