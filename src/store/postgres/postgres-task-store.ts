import type pg from 'pg';
import type { TaskStatus } from '../../contract/index.js';
import type { KeyAccount, LedgerAudit, LedgerEntry } from '../ledger.js';
import type {
  ApiKeyRecord,
  BalanceAdjustment,
  ClaimOptions,
  ClaimTaskOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  InsertTaskOptions,
  InsertTaskResult,
  ListLedgerOptions,
  ListTasksOptions,
  MoneyCallOptions,
  MoneyCallResult,
  NewTask,
  RequeueOptions,
  RequeueResult,
  RetentionResult,
  StoredTask,
  TaskError,
  TaskOutput,
  TaskPage,
  TaskStore,
  TopUpResult,
  TransitionResult,
} from '../task-store.js';
import { planCancel, planComplete, planFail, planRelease } from '../task-transitions.js';
import type {
  AbandonedAttemptsQuery,
  AbandonedUpstreamAttempt,
  NewUpstreamAttempt,
  UpstreamAttempt,
  UpstreamAttemptChange,
  UpstreamCost,
  UpstreamInfo,
} from '../upstream-attempts.js';
import type {
  ClaimDeliveriesOptions,
  DeliveryLogEntry,
  DeliveryOutcome,
  DeliveryState,
  WebhookDelivery,
} from '../webhook-outbox.js';
import { connectPool, type PgConnectOptions } from './pg-connect.js';
import { inTransaction, type Isolation, type PgContext, type PgStoreHooks } from './pg-context.js';
import * as keys from './pg-key-ops.js';
import { migrateSchema } from './pg-migrate.js';
import * as outbox from './pg-outbox-ops.js';
import * as tasks from './pg-task-ops.js';
import * as upstream from './pg-upstream-ops.js';

/** Options for {@link openPostgresStore}. */
export interface PostgresStoreOptions extends PgConnectOptions, PgStoreHooks {}

/**
 * Opens a PostgreSQL task store on `url` (postgres:// or postgresql://) and brings its schema up to date under an
 * advisory lock. A bad URL or an unreachable server fails with a {@link PostgresConnectError} naming the target.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresTaskStore> {
  const pool = await connectPool(url, options);
  try {
    const client = await pool.connect();
    try {
      await migrateSchema(client, options.schema !== undefined ? { schema: options.schema } : {});
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresTaskStore(pool, options);
}

/**
 * Applies the pending migrations on `url` and answers their versions (`inbetween migrate`); the store does the
 * same when it opens, so running this first is only needed to migrate before a deploy.
 */
export async function migratePostgres(url: string, options: PgConnectOptions = {}): Promise<number[]> {
  const pool = await connectPool(url, { ...options, maxConnections: 1 });
  try {
    const client = await pool.connect();
    try {
      return await migrateSchema(client, options.schema !== undefined ? { schema: options.schema } : {});
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/**
 * {@link TaskStore} on a `pg` pool, for any number of API and worker processes on one database. This class only
 * chooses each method's transaction; the work is in the concern modules: tasks (pg-task-ops.ts), keys and money
 * (pg-key-ops.ts), callbacks (pg-outbox-ops.ts), upstream attempts (pg-upstream-ops.ts). Writes run in READ COMMITTED transactions that lock the rows
 * they change; reads that must see one moment run in a REPEATABLE READ snapshot.
 */
export class PostgresTaskStore implements TaskStore {
  readonly #pool: pg.Pool;
  readonly #hooks: PgStoreHooks;
  #closed = false;

  constructor(pool: pg.Pool, hooks: PgStoreHooks = {}) {
    this.#pool = pool;
    this.#hooks = {
      ...(hooks.onInsertInTransaction ? { onInsertInTransaction: hooks.onInsertInTransaction } : {}),
      ...(hooks.onRequeueInTransaction ? { onRequeueInTransaction: hooks.onRequeueInTransaction } : {}),
    };
  }

  /** The pool, for callers that share the database (pg-boss, LISTEN/NOTIFY). */
  get pool(): pg.Pool {
    return this.#pool;
  }

  insertTask(task: NewTask, options: InsertTaskOptions = {}): Promise<InsertTaskResult> {
    return this.#write((ctx) => tasks.insertTaskRow(ctx, task, options));
  }

  getTask(id: string): Promise<StoredTask | null> {
    return this.#read((ctx) => tasks.readTask(ctx, id));
  }

  findTaskByIdempotencyKey(keyId: string, idempotencyKey: string): Promise<StoredTask | null> {
    return this.#read((ctx) => tasks.readTaskByIdempotencyKey(ctx, keyId, idempotencyKey));
  }

  listTasks(keyId: string, options: ListTasksOptions): Promise<TaskPage> {
    return this.#read((ctx) => tasks.listTaskPage(ctx, keyId, options));
  }

  claimNextTask(options: ClaimOptions): Promise<StoredTask | null> {
    return this.#write((ctx) => tasks.claimNext(ctx, options));
  }

  claimTask(id: string, options: ClaimTaskOptions): Promise<StoredTask | null> {
    return this.#write((ctx) => tasks.claimById(ctx, id, options));
  }

  heartbeat(id: string, owner: string, options: HeartbeatOptions): Promise<boolean> {
    return this.#write((ctx) => tasks.extendLease(ctx, id, owner, options));
  }

  completeTask(id: string, owner: string, output: TaskOutput, now: Date): Promise<TransitionResult> {
    return this.#write((ctx) =>
      tasks.transitionTask(ctx, id, (task) => planComplete(task, owner, output, now)),
    );
  }

  failTask(id: string, owner: string | null, error: TaskError, now: Date): Promise<TransitionResult> {
    return this.#write((ctx) => tasks.transitionTask(ctx, id, (task) => planFail(task, owner, error, now)));
  }

  cancelTask(
    id: string,
    keyId: string | null,
    now: Date,
    error: TaskError | null = null,
  ): Promise<TransitionResult> {
    return this.#write((ctx) => tasks.transitionTask(ctx, id, (task) => planCancel(task, keyId, now, error)));
  }

  releaseTask(id: string, owner: string, now: Date): Promise<TransitionResult> {
    return this.#write((ctx) => tasks.transitionTask(ctx, id, (task) => planRelease(task, owner, now)));
  }

  setTaskBackend(
    id: string,
    owner: string,
    backend: string,
    info: UpstreamInfo | null,
    now: Date,
  ): Promise<boolean> {
    return this.#write((ctx) => tasks.setBackend(ctx, id, owner, { backend, upstream: info, now }));
  }

  requeueExpiredLeases(options: RequeueOptions): Promise<RequeueResult> {
    return this.#write((ctx) => tasks.requeueExpired(ctx, options));
  }

  expireOffPeakTasks(options: ExpireOffPeakOptions): Promise<StoredTask[]> {
    return this.#write((ctx) => tasks.expireOffPeak(ctx, options));
  }

  countByStatus(): Promise<Record<TaskStatus, number>> {
    return this.#read((ctx) => tasks.countTasksByStatus(ctx));
  }

  queueDepth(): Promise<number> {
    return this.#read((ctx) => tasks.countPending(ctx));
  }

  deleteFinishedBefore(date: Date): Promise<RetentionResult> {
    return this.#write((ctx) => tasks.deleteFinished(ctx, date));
  }

  existingTaskIds(ids: readonly string[]): Promise<string[]> {
    return this.#read((ctx) => tasks.readExistingTaskIds(ctx, ids));
  }

  insertKey(key: ApiKeyRecord): Promise<void> {
    return this.#write((ctx) => keys.insertKeyRow(ctx, key));
  }

  findKeyByHash(secretHash: string): Promise<ApiKeyRecord | null> {
    return this.#read((ctx) => keys.readKeyByHash(ctx, secretHash));
  }

  getKey(id: string): Promise<ApiKeyRecord | null> {
    return this.#read((ctx) => keys.readKey(ctx, id));
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return this.#read((ctx) => keys.readKeys(ctx));
  }

  revokeKey(id: string, now: Date): Promise<ApiKeyRecord | null> {
    return this.#write((ctx) => keys.revokeKeyRow(ctx, id, now));
  }

  rotateWebhookSecret(id: string, secret: string, previousUntil: Date): Promise<ApiKeyRecord | null> {
    return this.#write((ctx) => keys.rotateSecret(ctx, id, secret, previousUntil));
  }

  touchKey(id: string, now: Date): Promise<void> {
    return this.#read((ctx) => keys.touchKeyRow(ctx, id, now));
  }

  topUpKey(id: string, amountMicros: number, now: Date, options?: MoneyCallOptions): Promise<TopUpResult> {
    return this.#write((ctx) => keys.topUp(ctx, id, amountMicros, now, options));
  }

  adjustKeyBalance(
    id: string,
    adjustment: BalanceAdjustment,
    now: Date,
    options?: MoneyCallOptions,
  ): Promise<MoneyCallResult> {
    return this.#write((ctx) => keys.adjust(ctx, id, adjustment, now, options));
  }

  getKeyAccount(id: string): Promise<KeyAccount | null> {
    return this.#read((ctx) => keys.readAccount(ctx, id));
  }

  listKeyAccounts(): Promise<KeyAccount[]> {
    return this.#read((ctx) => keys.readAccounts(ctx));
  }

  listLedger(keyId: string, options: ListLedgerOptions): Promise<LedgerEntry[]> {
    return this.#read((ctx) => keys.readLedger(ctx, keyId, options));
  }

  auditLedger(): Promise<LedgerAudit> {
    return this.#snapshot((ctx) => keys.audit(ctx));
  }

  claimDueDeliveries(options: ClaimDeliveriesOptions): Promise<WebhookDelivery[]> {
    return this.#write((ctx) => outbox.claimDue(ctx, options));
  }

  renewDeliveryLease(id: string, owner: string, now: Date, until: Date): Promise<boolean> {
    return this.#read((ctx) => outbox.renewLease(ctx, id, owner, now, until));
  }

  keepDeliveryPayload(id: string, owner: string, now: Date, payload: string): Promise<string | null> {
    return this.#read((ctx) => outbox.keepPayload(ctx, id, owner, now, payload));
  }

  recordDeliveryAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    return this.#write((ctx) => outbox.recordAttempt(ctx, id, owner, outcome));
  }

  listDeliveries(taskId: string): Promise<DeliveryLogEntry[]> {
    return this.#snapshot((ctx) => outbox.readDeliveries(ctx, taskId));
  }

  countDeliveriesByState(): Promise<Record<DeliveryState, number>> {
    return this.#read((ctx) => outbox.countByState(ctx));
  }

  recordUpstreamAttempt(attempt: NewUpstreamAttempt): Promise<UpstreamAttempt> {
    return this.#write((ctx) => upstream.insertAttempt(ctx, attempt));
  }

  updateUpstreamAttempt(
    taskId: string,
    attempt: number,
    change: UpstreamAttemptChange,
    now: Date,
  ): Promise<void> {
    return this.#write((ctx) => upstream.changeAttempt(ctx, taskId, attempt, change, now));
  }

  listUpstreamAttempts(taskId: string): Promise<UpstreamAttempt[]> {
    return this.#read((ctx) => upstream.readAttempts(ctx, taskId));
  }

  upstreamCost(keyId: string): Promise<UpstreamCost> {
    return this.#read((ctx) => upstream.readCost(ctx, keyId));
  }

  listAbandonedUpstreamAttempts(query: AbandonedAttemptsQuery): Promise<AbandonedUpstreamAttempt[]> {
    return this.#read((ctx) => upstream.readAbandoned(ctx, query));
  }

  // A single-row UPDATE is atomic by itself: the row lock decides between two claimers.
  claimUpstreamCancel(taskId: string, attempt: number, now: Date, staleBefore: Date): Promise<boolean> {
    return this.#read((ctx) => upstream.claimCancel(ctx, taskId, attempt, now, staleBefore));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #write<T>(work: (ctx: PgContext) => Promise<T>): Promise<T> {
    return this.#transaction('read committed', work);
  }

  #snapshot<T>(work: (ctx: PgContext) => Promise<T>): Promise<T> {
    return this.#transaction('repeatable read read only', work);
  }

  #transaction<T>(isolation: Isolation, work: (ctx: PgContext) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, this.#hooks, isolation, work);
  }

  // One statement (a read, or a single-row write that is atomic by itself): no transaction around it.
  async #read<T>(work: (ctx: PgContext) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      return await work({ client, hooks: this.#hooks });
    } finally {
      client.release();
    }
  }
}
