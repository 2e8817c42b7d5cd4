import type { PgMigration } from './pg-migration.js';

// SQLite's step 6: the backend that renders a task, the provider's task on it (JSON as TEXT), and every upstream
// attempt, written before anything is sent so a crash leaves a trace of a submission in doubt.
export const V0006_BACKENDS_AND_UPSTREAM_ATTEMPTS: PgMigration = {
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
      credits DOUBLE PRECISION,
      cost_micros BIGINT CHECK (cost_micros >= 0),
      reason TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (task_id, attempt)
    );
    -- One task never has two upstream attempts that may be paid for at once.
    CREATE UNIQUE INDEX upstream_one_open ON upstream_attempts (task_id)
      WHERE state IN ('submitting', 'accepted');
    CREATE INDEX upstream_by_key ON upstream_attempts (key_id);
  `,
};
