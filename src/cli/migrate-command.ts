import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/index.js';
import {
  MIGRATIONS,
  migratePostgres,
  migrateSqliteFile,
  PG_MIGRATIONS,
  PostgresConnectError,
} from '../store/index.js';

/** `inbetween migrate`: applies the pending schema steps (under an advisory lock on PostgreSQL) and says which. */
export async function migrateCommand(argv: string[]): Promise<void> {
  const config = loadConfig({ env: process.env, argv });
  let applied: number[];
  let newest: number;
  let where: string;
  if (config.databaseUrl !== undefined) {
    const source = config.sources.databaseUrl === 'flag' ? '--database-url' : 'DATABASE_URL';
    try {
      applied = await migratePostgres(config.databaseUrl);
    } catch (error) {
      // A database that cannot be reached is the setting's fault: said in one line, naming it.
      if (error instanceof PostgresConnectError) throw new ConfigError(`${source}: ${error.message}`, source);
      throw error;
    }
    newest = Math.max(...PG_MIGRATIONS.map((migration) => migration.version));
    where = `PostgreSQL (${source})`;
  } else {
    await mkdir(config.dataDir, { recursive: true });
    const path = join(config.dataDir, 'inbetween.db');
    applied = migrateSqliteFile(path);
    newest = Math.max(...MIGRATIONS.map((migration) => migration.version));
    where = path;
  }
  const steps = applied.length === 0 ? 'nothing to apply' : `applied ${applied.join(', ')}`;
  process.stdout.write(`${where}: schema version ${newest}, ${steps}\n`);
}
