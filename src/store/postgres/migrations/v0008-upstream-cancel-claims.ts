import type { PgMigration } from './pg-migration.js';

// SQLite's step 8: who asks a provider to cancel an attempt whose task ended with no worker on it, so that of all
// the processes sweeping for such attempts only one asks.
export const V0008_UPSTREAM_CANCEL_CLAIMS: PgMigration = {
  version: 8,
  name: 'upstream cancel claims',
  sql: `
    ALTER TABLE upstream_attempts ADD COLUMN cancel_claimed_at BIGINT;
  `,
};
