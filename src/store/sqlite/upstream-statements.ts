import type Database from 'better-sqlite3';

/** An `upstream_attempts` row as SQLite returns it. */
export interface UpstreamAttemptRow {
  task_id: string;
  attempt: number;
  key_id: string;
  provider: string;
  model: string;
  tag: string;
  state: string;
  upstream_task_id: string | null;
  credits: number | null;
  cost_micros: number | null;
  reason: string | null;
  cancel_claimed_at: number | null;
  created_at: number;
  updated_at: number;
}

/** An abandoned attempt's row, with its task's state (null when the task row is gone). */
export type AbandonedAttemptRow = UpstreamAttemptRow & { task_status: string | null };

/** Final task states, as the SQL below lists them. */
const FINAL = `('completed', 'failed', 'cancelled')`;

/** The statements of the upstream attempts, prepared with the rest of the store's. */
export function prepareUpstreamStatements(db: Database.Database) {
  return {
    insertUpstreamAttempt: db.prepare<UpstreamAttemptRow>(
      `INSERT INTO upstream_attempts (task_id, attempt, key_id, provider, model, tag, state, upstream_task_id,
         credits, cost_micros, reason, cancel_claimed_at, created_at, updated_at)
       VALUES (@task_id, @attempt, @key_id, @provider, @model, @tag, @state, @upstream_task_id, @credits,
         @cost_micros, @reason, @cancel_claimed_at, @created_at, @updated_at)`,
    ),
    lastUpstreamAttempt: db.prepare<[string], { attempt: number | null }>(
      'SELECT MAX(attempt) AS attempt FROM upstream_attempts WHERE task_id = ?',
    ),
    getUpstreamAttempt: db.prepare<[string, number], UpstreamAttemptRow>(
      'SELECT * FROM upstream_attempts WHERE task_id = ? AND attempt = ?',
    ),
    updateUpstreamAttempt: db.prepare<UpstreamAttemptRow>(
      `UPDATE upstream_attempts SET state = @state, upstream_task_id = @upstream_task_id, credits = @credits,
         cost_micros = @cost_micros, reason = @reason, updated_at = @updated_at
       WHERE task_id = @task_id AND attempt = @attempt`,
    ),
    upstreamAttemptsOfTask: db.prepare<[string], UpstreamAttemptRow>(
      'SELECT * FROM upstream_attempts WHERE task_id = ? ORDER BY attempt',
    ),
    upstreamCostOfKey: db.prepare<[string], { credits: number; cost_micros: number }>(
      `SELECT COALESCE(SUM(credits), 0) AS credits, COALESCE(SUM(cost_micros), 0) AS cost_micros
       FROM upstream_attempts WHERE key_id = ?`,
    ),
    abandonedUpstreamAttempts: db.prepare<
      { providers: string; claimed_before: number; submitted_before: number; limit: number },
      AbandonedAttemptRow
    >(
      `SELECT a.*, t.status AS task_status FROM upstream_attempts a LEFT JOIN tasks t ON t.id = a.task_id
       WHERE a.state IN ('submitting', 'accepted') AND (t.id IS NULL OR t.status IN ${FINAL})
         AND (a.cancel_claimed_at IS NULL OR a.cancel_claimed_at < @claimed_before)
         AND (a.state = 'accepted' OR a.updated_at < @submitted_before)
         AND a.provider IN (SELECT value FROM json_each(@providers))
       ORDER BY a.updated_at, a.task_id, a.attempt LIMIT @limit`,
    ),
    claimUpstreamCancel: db.prepare<{
      task_id: string;
      attempt: number;
      now: number;
      stale_before: number;
    }>(
      `UPDATE upstream_attempts SET cancel_claimed_at = @now
       WHERE task_id = @task_id AND attempt = @attempt AND state IN ('submitting', 'accepted')
         AND (cancel_claimed_at IS NULL OR cancel_claimed_at < @stale_before)`,
    ),
  };
}
