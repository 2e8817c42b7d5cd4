import type Database from 'better-sqlite3';
import type { Statements } from './statements.js';

export { VersionConflictError } from '../version-conflict-error.js';

/**
 * The connection and its prepared statements, shared by the store's concern modules (tasks, keys and money,
 * outbox). The functions of those modules are synchronous and run inside the transaction the store opens.
 */
export interface SqliteContext {
  db: Database.Database;
  sql: Statements;
}

// better-sqlite3 is synchronous; this keeps the interface's promise contract (errors become rejections).
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
