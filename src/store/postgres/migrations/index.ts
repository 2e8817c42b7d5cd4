import type { PgMigration } from './pg-migration.js';
import { V0001_TASKS_AND_API_KEYS } from './v0001-tasks-and-api-keys.js';
import { V0002_TASK_MUSIC } from './v0002-task-music.js';
import { V0003_LEDGER_AND_OUTBOX } from './v0003-ledger-and-outbox.js';
import { V0004_WEBHOOK_SECRET_ROTATION } from './v0004-webhook-secret-rotation.js';
import { V0005_SEALED_CALLBACK_SIGNING_KEYS } from './v0005-sealed-callback-signing-keys.js';
import { V0006_BACKENDS_AND_UPSTREAM_ATTEMPTS } from './v0006-backends-and-upstream-attempts.js';
import { V0007_BALANCE_ADJUSTMENTS_AND_IDEMPOTENT_MONEY_CALLS } from './v0007-balance-adjustments-and-idempotent-money-calls.js';
import { V0008_UPSTREAM_CANCEL_CLAIMS } from './v0008-upstream-cancel-claims.js';

export type { PgMigration } from './pg-migration.js';

/**
 * The PostgreSQL schema, in order. To add step N: port SQLite's step N into `vNNNN-<name>.ts` (TEXT, BIGINT for
 * integers that may pass 2^31 and for every timestamp, DOUBLE PRECISION for REAL) and list it here; the schema
 * parity test fails until both adapters have the same versions, tables and columns.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  V0001_TASKS_AND_API_KEYS,
  V0002_TASK_MUSIC,
  V0003_LEDGER_AND_OUTBOX,
  V0004_WEBHOOK_SECRET_ROTATION,
  V0005_SEALED_CALLBACK_SIGNING_KEYS,
  V0006_BACKENDS_AND_UPSTREAM_ATTEMPTS,
  V0007_BALANCE_ADJUSTMENTS_AND_IDEMPOTENT_MONEY_CALLS,
  V0008_UPSTREAM_CANCEL_CLAIMS,
];
