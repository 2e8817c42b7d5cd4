/**
 * One PostgreSQL schema step. Applied steps are never edited; a change is a new step with the next number. The
 * numbers are those of the SQLite migrations (src/store/sqlite/migrations.ts): step N here makes the same tables
 * and columns as step N there, so both adapters share one row mapping and a test keeps them in step.
 */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}
