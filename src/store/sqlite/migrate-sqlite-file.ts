import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

/**
 * Brings the SQLite file at `path` (created if missing) up to the newest schema and answers the versions it
 * applied; a running server on the same file waits out the busy timeout instead of failing.
 */
export function migrateSqliteFile(path: string): number[] {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    return migrate(db);
  } finally {
    db.close();
  }
}
