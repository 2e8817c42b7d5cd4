import type pg from 'pg';
import { PG_MIGRATIONS, type PgMigration } from './migrations/index.js';

/** Options for {@link migrateSchema}. */
export interface PgMigrateOptions {
  /** The steps to apply; default all of {@link PG_MIGRATIONS}. */
  migrations?: readonly PgMigration[];
  /** The schema the store's tables live in (created if missing); default the connection's (`public`). */
  schema?: string;
}

/**
 * Brings the schema up to the newest version in one transaction, under an advisory lock held until COMMIT, so
 * of several processes starting at once one migrates and the others wait and then find nothing to do. A step
 * that fails rolls back with every step before it (PostgreSQL's DDL is transactional). Refuses a database
 * written by a newer inbetween. Answers the versions it applied.
 */
export async function migrateSchema(
  client: pg.ClientBase,
  options: PgMigrateOptions = {},
): Promise<number[]> {
  const migrations = [...(options.migrations ?? PG_MIGRATIONS)].sort((a, b) => a.version - b.version);
  const schema = options.schema ?? null;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`inbetween.migrate:${schema ?? ''}`]);
    if (schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...migrations.map((migration) => migration.version));
    const unknown = rows.find((row) => row.version > newest);
    if (unknown) {
      throw new Error(
        `Expected a database at schema version ${newest} or older but received version ${unknown.version}; ` +
          'it was written by a newer inbetween',
      );
    }
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** A schema name as SQL; only plain lower-case names are accepted, so nothing needs escaping. */
export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(
      `Expected a schema name of lower-case letters, digits and _ (at most 63) but received ${JSON.stringify(name)}`,
    );
  }
  return `"${name}"`;
}
