import type { PgMigration } from './pg-migration.js';

// SQLite's step 7. SQLite rebuilds the ledger to change its CHECKs; PostgreSQL changes them in place, so every
// row, its id and the id sequence stay as they are. Adjustments (credit, debit) carry the operator's reason; any
// money call may carry an Idempotency-Key, unique across the ledger, with the hash of what was asked. The
// constraints replaced are those v0003 declared unnamed (PostgreSQL's names for them).
export const V0007_BALANCE_ADJUSTMENTS_AND_IDEMPOTENT_MONEY_CALLS: PgMigration = {
  version: 7,
  name: 'balance adjustments and idempotent money calls',
  sql: `
    ALTER TABLE ledger_entries
      DROP CONSTRAINT ledger_entries_kind_check,
      DROP CONSTRAINT ledger_entries_check,
      ADD COLUMN reason TEXT,
      ADD COLUMN idempotency_key TEXT,
      ADD COLUMN request_hash TEXT;
    ALTER TABLE ledger_entries
      ADD CONSTRAINT ledger_entries_kind_check
        CHECK (kind IN ('top_up', 'hold', 'charge', 'refund', 'credit', 'debit')),
      ADD CONSTRAINT ledger_entries_task_by_kind CHECK ((task_id IS NULL) = (kind IN ('top_up', 'credit', 'debit'))),
      ADD CONSTRAINT ledger_entries_reason_by_kind CHECK ((reason IS NOT NULL) = (kind IN ('credit', 'debit'))),
      ADD CONSTRAINT ledger_entries_idempotency_hash CHECK ((idempotency_key IS NULL) = (request_hash IS NULL));
    CREATE UNIQUE INDEX ledger_idempotency ON ledger_entries (idempotency_key) WHERE idempotency_key IS NOT NULL;
  `,
};
