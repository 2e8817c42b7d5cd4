export { PG_MIGRATIONS, type PgMigration } from './migrations/index.js';
export { describePostgresUrl, PostgresConnectError, type PgConnectOptions } from './pg-connect.js';
export { transactionDb, type InTransactionHook, type PgStoreHooks } from './pg-context.js';
export { migrateSchema, type PgMigrateOptions } from './pg-migrate.js';
export { parseExactInt8 } from './pg-types.js';
export {
  migratePostgres,
  openPostgresStore,
  PostgresTaskStore,
  type PostgresStoreOptions,
} from './postgres-task-store.js';
