/**
 * Thrown when a task row changed between read and write. Adapters read the row under a lock (SQLite's immediate
 * transaction, PostgreSQL's FOR UPDATE) before they write it, so this means a bug, never a lost race.
 */
export class VersionConflictError extends Error {
  constructor(id: string, version: number) {
    super(`Task ${id} changed while it was being updated (expected version ${version})`);
    this.name = 'VersionConflictError';
  }
}
