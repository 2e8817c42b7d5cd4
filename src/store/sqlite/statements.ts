import type Database from 'better-sqlite3';
import type { KeyRow, TaskParams, TaskRow } from './task-row.js';

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
  'idempotency_key',
  'request_hash',
  'error_code',
  'error_message',
  'output_video_key',
  'output_cover_key',
  'output_duration',
  'recommended_prompt',
  'music',
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
] as const;

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
    nextPending: db.prepare<{ include_off_peak: number }, TaskRow>(
      `SELECT * FROM tasks
       WHERE status = 'pending' AND (off_peak = 0 OR @include_off_peak = 1)
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
    finishedBefore: db.prepare<
      [number],
      Pick<TaskRow, 'id' | 'input_keys' | 'output_video_key' | 'output_cover_key'>
    >(
      `SELECT id, input_keys, output_video_key, output_cover_key FROM tasks
       WHERE status IN ${FINAL} AND completed_at < ?`,
    ),
    deleteTask: db.prepare<[string]>('DELETE FROM tasks WHERE id = ?'),

    insertKey: db.prepare<KeyRow>(
      `INSERT INTO api_keys (${KEY_COLUMNS.join(', ')}) VALUES (${KEY_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    getKey: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    findKeyByHash: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE secret_hash = ?'),
    listKeys: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id'),
    revokeKey: db.prepare<[number, string]>(
      'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    ),
  };
}

/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareStatements>;
