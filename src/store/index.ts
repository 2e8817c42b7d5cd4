export { decodeListCursor, encodeListCursor, InvalidCursorError, type ListPosition } from './list-cursor.js';
export { MIGRATIONS, migrate, type Migration } from './sqlite/migrations.js';
export { migrateSqliteFile } from './sqlite/migrate-sqlite-file.js';
export {
  describePostgresUrl,
  migratePostgres,
  openPostgresStore,
  PG_MIGRATIONS,
  PostgresConnectError,
  PostgresTaskStore,
  transactionDb,
  type InTransactionHook,
  type PgMigration,
  type PgStoreHooks,
  type PostgresStoreOptions,
} from './postgres/index.js';
export {
  openSqliteStore,
  SqliteTaskStore,
  VersionConflictError,
  type SqliteStoreOptions,
} from './sqlite/sqlite-task-store.js';
export {
  ADJUSTMENT_KINDS,
  LEDGER_KINDS,
  type AdjustmentKind,
  type KeyAccount,
  type LedgerAudit,
  type LedgerEntry,
  type LedgerKind,
} from './ledger.js';
export { DELIVERY_STATES } from './webhook-outbox.js';
export {
  isOpenAttempt,
  UPSTREAM_ATTEMPT_STATES,
  upstreamTag,
  type AbandonedAttemptsQuery,
  type AbandonedUpstreamAttempt,
  type NewUpstreamAttempt,
  type UpstreamAttempt,
  type UpstreamAttemptChange,
  type UpstreamAttemptState,
  type UpstreamCost,
  type UpstreamInfo,
} from './upstream-attempts.js';
export type {
  ClaimDeliveriesOptions,
  DeliveryAttempt,
  DeliveryLogEntry,
  DeliveryOutcome,
  DeliveryState,
  WebhookDelivery,
} from './webhook-outbox.js';
export type {
  ApiKeyRecord,
  BalanceAdjustment,
  ListLedgerOptions,
  MoneyCallOptions,
  MoneyCallResult,
  MoneyIdempotency,
  MoneyRefusal,
  TopUpResult,
  ClaimOptions,
  ClaimTaskOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  InsertTaskOptions,
  InsertLimits,
  InsertTaskResult,
  LimitReached,
  ListTasksOptions,
  NewTask,
  RequeueOptions,
  RequeueResult,
  RetentionResult,
  StoredRequest,
  StoredTask,
  TaskError,
  TaskOutput,
  TaskPage,
  TaskStore,
  TransitionRefusal,
  TransitionResult,
} from './task-store.js';
