import type pg from 'pg';
import type { StoredTask } from '../task-store.js';

/**
 * Runs inside a store transaction with its connection: lets a caller (pg-boss `send` with
 * `db: { executeSql: (text, values) => client.query(text, values) }`) write in the same transaction, so the job
 * exists exactly when the task does. A throw rolls the whole transaction back and the store call rejects.
 */
export type InTransactionHook = (client: pg.PoolClient, task: StoredTask) => Promise<void>;

/**
 * The one-method database pg-boss 10 accepts per call (`boss.send(name, data, { db })`), on a transaction's
 * connection: a job sent through it commits or rolls back with the transaction.
 */
export function transactionDb(client: pg.ClientBase): {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
} {
  return { executeSql: (text, values) => client.query(text, values) };
}

/** The hooks a {@link PgContext} carries into the task operations. */
export interface PgStoreHooks {
  /** After a new task and its hold are written, before COMMIT. */
  onInsertInTransaction?: InTransactionHook;
  /** After an expired lease sent a task back to pending, before COMMIT. */
  onRequeueInTransaction?: InTransactionHook;
}

/** One transaction's connection, shared by the concern modules (tasks, keys and money, outbox). */
export interface PgContext {
  client: pg.PoolClient;
  hooks: PgStoreHooks;
}

/** How a transaction isolates: writes lock the rows they change; some reads need one snapshot. */
export type Isolation = 'read committed' | 'repeatable read read only';

/** Runs `work` in one transaction on a pooled connection: COMMIT on success, ROLLBACK on any throw. */
export async function inTransaction<T>(
  pool: pg.Pool,
  hooks: PgStoreHooks,
  isolation: Isolation,
  work: (ctx: PgContext) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
    const result = await work({ client, hooks });
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // A connection that cannot roll back is not given back to the pool for the next caller.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    client.release(broken);
  }
}
