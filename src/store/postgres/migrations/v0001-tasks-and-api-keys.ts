import type { PgMigration } from './pg-migration.js';

// The types mirror SQLite's so the row mapping is shared: timestamps are BIGINT milliseconds since the epoch,
// JSON is TEXT (the callback payload must keep its exact bytes), booleans are SMALLINT 0/1. Money and the seed
// (up to 2^32 - 1) are BIGINT, read back as exact numbers (pg-types.ts).
export const V0001_TASKS_AND_API_KEYS: PgMigration = {
  version: 1,
  name: 'tasks and api keys',
  sql: `
    CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL UNIQUE,
      prefix TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      revoked_at BIGINT,
      balance_micros BIGINT,
      webhook_secret TEXT NOT NULL
    );

    CREATE TABLE tasks (
      -- Byte order, as SQLite compares: the id breaks ties in listings and cursors, whatever the database's locale.
      id TEXT COLLATE "C" PRIMARY KEY,
      key_id TEXT NOT NULL REFERENCES api_keys (id),
      model TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
      progress DOUBLE PRECISION NOT NULL,
      request TEXT NOT NULL,
      input_keys TEXT NOT NULL,
      seed BIGINT NOT NULL,
      width INTEGER,
      height INTEGER,
      fps DOUBLE PRECISION,
      frames INTEGER,
      duration_seconds DOUBLE PRECISION NOT NULL,
      cost_micros BIGINT NOT NULL,
      discount DOUBLE PRECISION NOT NULL,
      off_peak SMALLINT NOT NULL CHECK (off_peak IN (0, 1)),
      callback_url TEXT,
      idempotency_key TEXT,
      request_hash TEXT,
      error_code TEXT,
      error_message TEXT,
      output_video_key TEXT,
      output_cover_key TEXT,
      output_duration DOUBLE PRECISION,
      recommended_prompt TEXT,
      attempts INTEGER NOT NULL,
      lease_owner TEXT,
      lease_expires_at BIGINT,
      created_at BIGINT NOT NULL,
      started_at BIGINT,
      completed_at BIGINT,
      updated_at BIGINT NOT NULL,
      version INTEGER NOT NULL
    );

    -- Idempotency keys are per API key; tasks without one are not constrained.
    CREATE UNIQUE INDEX tasks_idempotency ON tasks (key_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
    -- A key's listing, newest first, with the id breaking ties.
    CREATE INDEX tasks_by_key ON tasks (key_id, created_at DESC, id DESC);
    -- The queue: normal tasks before off-peak ones, oldest first.
    CREATE INDEX tasks_queue ON tasks (off_peak, created_at, id) WHERE status = 'pending';
    CREATE INDEX tasks_leases ON tasks (lease_expires_at) WHERE status = 'processing';
    CREATE INDEX tasks_finished ON tasks (completed_at) WHERE completed_at IS NOT NULL;
  `,
};
