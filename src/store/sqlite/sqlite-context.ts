import type Database from 'better-sqlite3';
import type { Statements } from './statements.js';

/**
 * The connection and its prepared statements, shared by the store's concern modules (tasks, keys and money,
 * outbox). The functions of those modules are synchronous and run inside the transaction the store opens.
 */
export interface SqliteContext {
  db: Database.Database;
  sql: Statements;
}

/** Thrown when a row changed between read and write; inside an immediate transaction it means a bug. */
export class VersionConflictError extends Error {
  constructor(id: string, version: number) {
    super(`Task ${id} changed while it was being updated (expected version ${version})`);
    this.name = 'VersionConflictError';
  }
}

// better-sqlite3 is synchronous; this keeps the interface's promise contract (errors become rejections).
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
