import type Database from 'better-sqlite3';

/** One schema step. Applied steps are never edited; a change is a new step with the next number. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The schema, in order. Timestamps are integer milliseconds since the epoch; JSON is TEXT. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tasks and api keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        balance_micros INTEGER,
        webhook_secret TEXT NOT NULL
      ) STRICT;

      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL REFERENCES api_keys (id),
        model TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
        progress REAL NOT NULL,
        request TEXT NOT NULL,
        input_keys TEXT NOT NULL,
        seed INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        fps REAL,
        frames INTEGER,
        duration_seconds REAL NOT NULL,
        cost_micros INTEGER NOT NULL,
        discount REAL NOT NULL,
        off_peak INTEGER NOT NULL CHECK (off_peak IN (0, 1)),
        callback_url TEXT,
        idempotency_key TEXT,
        request_hash TEXT,
        error_code TEXT,
        error_message TEXT,
        output_video_key TEXT,
        output_cover_key TEXT,
        output_duration REAL,
        recommended_prompt TEXT,
        attempts INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        completed_at INTEGER,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL
      ) STRICT;

      -- Idempotency keys are per API key; tasks without one are not constrained.
      CREATE UNIQUE INDEX tasks_idempotency ON tasks (key_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
      -- A key's listing, newest first, with the id breaking ties.
      CREATE INDEX tasks_by_key ON tasks (key_id, created_at DESC, id DESC);
      -- The queue: normal tasks before off-peak ones, oldest first.
      CREATE INDEX tasks_queue ON tasks (off_peak, created_at, id) WHERE status = 'pending';
      CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE status = 'processing';
      CREATE INDEX tasks_finished ON tasks (completed_at) WHERE completed_at IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'background music choice on tasks',
    sql: `ALTER TABLE tasks ADD COLUMN music TEXT;`,
  },
  {
    version: 3,
    name: 'ledger, callback outbox, key last use',
    sql: `
      ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;

      -- No foreign key to tasks: the money trail outlives the tasks that retention deletes.
      CREATE TABLE ledger_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key_id TEXT NOT NULL REFERENCES api_keys (id),
        task_id TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('top_up', 'hold', 'charge', 'refund')),
        amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
        created_at INTEGER NOT NULL,
        CHECK ((task_id IS NULL) = (kind = 'top_up'))
      ) STRICT;
      -- Each task is held, charged and refunded at most once, whatever a caller does.
      CREATE UNIQUE INDEX ledger_once ON ledger_entries (task_id, kind) WHERE task_id IS NOT NULL;
      CREATE INDEX ledger_by_key ON ledger_entries (key_id, id);
      -- Balances set before the ledger become its opening top-ups, so it balances from the start.
      INSERT INTO ledger_entries (key_id, task_id, kind, amount_micros, created_at)
        SELECT id, NULL, 'top_up', balance_micros, created_at FROM api_keys
        WHERE balance_micros IS NOT NULL AND balance_micros > 0;

      CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        key_id TEXT NOT NULL REFERENCES api_keys (id),
        url TEXT NOT NULL,
        event TEXT NOT NULL,
        task TEXT NOT NULL,
        payload TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        created_at INTEGER NOT NULL,
        delivered_at INTEGER,
        last_status INTEGER,
        last_error TEXT
      ) STRICT;
      CREATE INDEX deliveries_due ON webhook_deliveries (next_attempt_at, created_at) WHERE state = 'pending';
      CREATE INDEX deliveries_by_task ON webhook_deliveries (task_id, created_at);

      CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        http_status INTEGER,
        error TEXT,
        PRIMARY KEY (delivery_id, attempt)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'webhook secret rotation',
    sql: `
      ALTER TABLE api_keys ADD COLUMN previous_webhook_secret TEXT;
      ALTER TABLE api_keys ADD COLUMN previous_webhook_secret_until INTEGER;
    `,
  },
  {
    version: 5,
    name: 'sealed Vidu callback signing keys',
    // The API key of a task made through /ent/v2, sealed with the deployment secret: on the task until it is
    // final, on each callback row until that callback is delivered or given up.
    sql: `
      ALTER TABLE tasks ADD COLUMN callback_signing_key TEXT;
      ALTER TABLE webhook_deliveries ADD COLUMN signing_key TEXT;
    `,
  },
  {
    version: 6,
    name: 'backends and upstream attempts',
    sql: `
      ALTER TABLE tasks ADD COLUMN backend TEXT;
      ALTER TABLE tasks ADD COLUMN upstream TEXT;

      -- No foreign key to tasks: what a provider charged outlives the tasks that retention deletes.
      CREATE TABLE upstream_attempts (
        task_id TEXT NOT NULL,
        attempt INTEGER NOT NULL CHECK (attempt >= 1),
        key_id TEXT NOT NULL REFERENCES api_keys (id),
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        tag TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL
          CHECK (state IN ('submitting', 'accepted', 'rejected', 'succeeded', 'failed', 'cancelled')),
        upstream_task_id TEXT,
        credits REAL,
        cost_micros INTEGER CHECK (cost_micros >= 0),
        reason TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (task_id, attempt)
      ) STRICT;
      -- One task never has two upstream attempts that may be paid for at once.
      CREATE UNIQUE INDEX upstream_one_open ON upstream_attempts (task_id)
        WHERE state IN ('submitting', 'accepted');
      CREATE INDEX upstream_by_key ON upstream_attempts (key_id);
    `,
  },
  {
    version: 7,
    name: 'balance adjustments and idempotent money calls',
    // SQLite cannot change a CHECK constraint in place, so the ledger is rebuilt with the new kinds, keeping
    // every row and id. Adjustments (credit, debit) carry the operator's reason; any money call may carry an
    // Idempotency-Key, unique across the ledger, with the hash of what was asked.
    sql: `
      CREATE TABLE ledger_entries_v7 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key_id TEXT NOT NULL REFERENCES api_keys (id),
        task_id TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('top_up', 'hold', 'charge', 'refund', 'credit', 'debit')),
        amount_micros INTEGER NOT NULL CHECK (amount_micros >= 0),
        created_at INTEGER NOT NULL,
        reason TEXT,
        idempotency_key TEXT,
        request_hash TEXT,
        CHECK ((task_id IS NULL) = (kind IN ('top_up', 'credit', 'debit'))),
        CHECK ((reason IS NOT NULL) = (kind IN ('credit', 'debit'))),
        CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
      ) STRICT;
      INSERT INTO ledger_entries_v7 (id, key_id, task_id, kind, amount_micros, created_at)
        SELECT id, key_id, task_id, kind, amount_micros, created_at FROM ledger_entries;
      DROP TABLE ledger_entries;
      ALTER TABLE ledger_entries_v7 RENAME TO ledger_entries;
      CREATE UNIQUE INDEX ledger_once ON ledger_entries (task_id, kind) WHERE task_id IS NOT NULL;
      CREATE INDEX ledger_by_key ON ledger_entries (key_id, id);
      CREATE UNIQUE INDEX ledger_idempotency ON ledger_entries (idempotency_key) WHERE idempotency_key IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'upstream cancel claims',
    // Who asks a provider to cancel an attempt whose task ended with no worker on it: one process at a time.
    sql: `
      ALTER TABLE upstream_attempts ADD COLUMN cancel_claimed_at INTEGER;
    `,
  },
];

/**
 * Brings the database up to the newest schema in one immediate transaction, so two processes opening the same
 * file at once do not both apply a step. Refuses a database written by a newer version of inbetween. The
 * bookkeeping SQL lives here rather than in statements.ts because it must run before the tables exist.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const apply = db.transaction((): number[] => {
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
      version: number;
    }[];
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...migrations.map((migration) => migration.version));
    const unknown = rows.find((row) => row.version > newest);
    if (unknown) {
      throw new Error(
        `Expected a database at schema version ${newest} or older but received version ${unknown.version}; ` +
          'it was written by a newer inbetween',
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const done: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      done.push(migration.version);
    }
    return done;
  });
  return apply.immediate();
}
