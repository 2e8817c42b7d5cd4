import Database from 'better-sqlite3';
import type { TaskStatus } from '../../contract/index.js';
import type { KeyAccount, LedgerAudit, LedgerEntry } from '../ledger.js';
import type {
  ApiKeyRecord,
  ClaimOptions,
  ClaimTaskOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  InsertTaskOptions,
  InsertTaskResult,
  BalanceAdjustment,
  ListLedgerOptions,
  MoneyCallOptions,
  MoneyCallResult,
  ListTasksOptions,
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
import { migrate } from './migrations.js';
import { settle, type SqliteContext } from './sqlite-context.js';
import * as keys from './sqlite-key-ops.js';
import * as outbox from './sqlite-outbox-ops.js';
import * as tasks from './sqlite-task-ops.js';
import * as upstream from './sqlite-upstream-ops.js';
import { prepareStatements } from './statements.js';

export { VersionConflictError } from './sqlite-context.js';

/** Options for {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  path: string;
  /** How long a write waits for another process's lock; default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) a SQLite task store and brings its schema up to date. WAL lets the API read while a
 * worker writes; the busy timeout makes a second process wait for a lock instead of failing at once.
 */
export function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteTaskStore> {
  return settle(() => {
    const db = new Database(options.path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('foreign_keys = ON');
      // WAL with NORMAL stays consistent on a crash; only the last commits may roll back on power loss.
      db.pragma('synchronous = NORMAL');
      migrate(db);
      return new SqliteTaskStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

/**
 * {@link TaskStore} on one better-sqlite3 connection. This class only chooses the transaction of each method
 * (writes run in immediate transactions); the work is in the concern modules: tasks (sqlite-task-ops.ts), keys
 * and money (sqlite-key-ops.ts), callbacks (sqlite-outbox-ops.ts).
 */
export class SqliteTaskStore implements TaskStore {
  readonly #ctx: SqliteContext;

  constructor(db: Database.Database) {
    this.#ctx = { db, sql: prepareStatements(db) };
  }

  insertTask(task: NewTask, options: InsertTaskOptions = {}): Promise<InsertTaskResult> {
    return this.#write(() => tasks.insertTaskRow(this.#ctx, task, options));
  }

  getTask(id: string): Promise<StoredTask | null> {
    return settle(() => tasks.readTask(this.#ctx, id));
  }

  findTaskByIdempotencyKey(keyId: string, idempotencyKey: string): Promise<StoredTask | null> {
    return settle(() => tasks.readTaskByIdempotencyKey(this.#ctx, keyId, idempotencyKey));
  }

  listTasks(keyId: string, options: ListTasksOptions): Promise<TaskPage> {
    return settle(() => tasks.listTaskPage(this.#ctx, keyId, options));
  }

  claimNextTask(options: ClaimOptions): Promise<StoredTask | null> {
    return this.#write(() => tasks.claimNext(this.#ctx, options));
  }

  claimTask(id: string, options: ClaimTaskOptions): Promise<StoredTask | null> {
    return this.#write(() => tasks.claimById(this.#ctx, id, options));
  }

  heartbeat(id: string, owner: string, options: HeartbeatOptions): Promise<boolean> {
    return this.#write(() => tasks.extendLease(this.#ctx, id, owner, options));
  }

  completeTask(id: string, owner: string, output: TaskOutput, now: Date): Promise<TransitionResult> {
    return this.#write(() =>
      tasks.transitionTask(this.#ctx, id, (task) => planComplete(task, owner, output, now)),
    );
  }

  failTask(id: string, owner: string | null, error: TaskError, now: Date): Promise<TransitionResult> {
    return this.#write(() =>
      tasks.transitionTask(this.#ctx, id, (task) => planFail(task, owner, error, now)),
    );
  }

  cancelTask(
    id: string,
    keyId: string | null,
    now: Date,
    error: TaskError | null = null,
  ): Promise<TransitionResult> {
    return this.#write(() =>
      tasks.transitionTask(this.#ctx, id, (task) => planCancel(task, keyId, now, error)),
    );
  }

  releaseTask(id: string, owner: string, now: Date): Promise<TransitionResult> {
    return this.#write(() => tasks.transitionTask(this.#ctx, id, (task) => planRelease(task, owner, now)));
  }

  setTaskBackend(
    id: string,
    owner: string,
    backend: string,
    info: UpstreamInfo | null,
    now: Date,
  ): Promise<boolean> {
    return this.#write(() => tasks.setBackend(this.#ctx, id, owner, { backend, upstream: info, now }));
  }

  requeueExpiredLeases(options: RequeueOptions): Promise<RequeueResult> {
    return this.#write(() => tasks.requeueExpired(this.#ctx, options));
  }

  expireOffPeakTasks(options: ExpireOffPeakOptions): Promise<StoredTask[]> {
    return this.#write(() => tasks.expireOffPeak(this.#ctx, options));
  }

  countByStatus(): Promise<Record<TaskStatus, number>> {
    return settle(() => tasks.countTasksByStatus(this.#ctx));
  }

  queueDepth(): Promise<number> {
    return settle(() => tasks.countPending(this.#ctx));
  }

  deleteFinishedBefore(date: Date): Promise<RetentionResult> {
    return this.#write(() => tasks.deleteFinished(this.#ctx, date));
  }

  existingTaskIds(ids: readonly string[]): Promise<string[]> {
    return settle(() => tasks.readExistingTaskIds(this.#ctx, ids));
  }

  insertKey(key: ApiKeyRecord): Promise<void> {
    return this.#write(() => keys.insertKeyRow(this.#ctx, key));
  }

  findKeyByHash(secretHash: string): Promise<ApiKeyRecord | null> {
    return settle(() => keys.readKeyByHash(this.#ctx, secretHash));
  }

  getKey(id: string): Promise<ApiKeyRecord | null> {
    return settle(() => keys.readKey(this.#ctx, id));
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return settle(() => keys.readKeys(this.#ctx));
  }

  revokeKey(id: string, now: Date): Promise<ApiKeyRecord | null> {
    return this.#write(() => keys.revokeKeyRow(this.#ctx, id, now));
  }

  rotateWebhookSecret(id: string, secret: string, previousUntil: Date): Promise<ApiKeyRecord | null> {
    return this.#write(() => keys.rotateSecret(this.#ctx, id, secret, previousUntil));
  }

  touchKey(id: string, now: Date): Promise<void> {
    return this.#write(() => keys.touchKeyRow(this.#ctx, id, now));
  }

  topUpKey(id: string, amountMicros: number, now: Date, options?: MoneyCallOptions): Promise<TopUpResult> {
    return this.#write(() => keys.topUp(this.#ctx, id, amountMicros, now, options));
  }

  adjustKeyBalance(
    id: string,
    adjustment: BalanceAdjustment,
    now: Date,
    options?: MoneyCallOptions,
  ): Promise<MoneyCallResult> {
    return this.#write(() => keys.adjust(this.#ctx, id, adjustment, now, options));
  }

  getKeyAccount(id: string): Promise<KeyAccount | null> {
    return settle(() => keys.readAccount(this.#ctx, id));
  }

  listKeyAccounts(): Promise<KeyAccount[]> {
    return settle(() => keys.readAccounts(this.#ctx));
  }

  listLedger(keyId: string, options: ListLedgerOptions): Promise<LedgerEntry[]> {
    return settle(() => keys.readLedger(this.#ctx, keyId, options));
  }

  auditLedger(): Promise<LedgerAudit> {
    return this.#read(() => keys.audit(this.#ctx));
  }

  claimDueDeliveries(options: ClaimDeliveriesOptions): Promise<WebhookDelivery[]> {
    return this.#write(() => outbox.claimDue(this.#ctx, options));
  }

  renewDeliveryLease(id: string, owner: string, now: Date, until: Date): Promise<boolean> {
    return this.#write(() => outbox.renewLease(this.#ctx, id, owner, now, until));
  }

  keepDeliveryPayload(id: string, owner: string, now: Date, payload: string): Promise<string | null> {
    return this.#write(() => outbox.keepPayload(this.#ctx, id, owner, now, payload));
  }

  recordDeliveryAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    return this.#write(() => outbox.recordAttempt(this.#ctx, id, owner, outcome));
  }

  listDeliveries(taskId: string): Promise<DeliveryLogEntry[]> {
    return this.#read(() => outbox.readDeliveries(this.#ctx, taskId));
  }

  countDeliveriesByState(): Promise<Record<DeliveryState, number>> {
    return settle(() => outbox.countByState(this.#ctx));
  }

  recordUpstreamAttempt(attempt: NewUpstreamAttempt): Promise<UpstreamAttempt> {
    return this.#write(() => upstream.insertAttempt(this.#ctx, attempt));
  }

  updateUpstreamAttempt(
    taskId: string,
    attempt: number,
    change: UpstreamAttemptChange,
    now: Date,
  ): Promise<void> {
    return this.#write(() => upstream.changeAttempt(this.#ctx, taskId, attempt, change, now));
  }

  listUpstreamAttempts(taskId: string): Promise<UpstreamAttempt[]> {
    return settle(() => upstream.readAttempts(this.#ctx, taskId));
  }

  upstreamCost(keyId: string): Promise<UpstreamCost> {
    return settle(() => upstream.readCost(this.#ctx, keyId));
  }

  listAbandonedUpstreamAttempts(query: AbandonedAttemptsQuery): Promise<AbandonedUpstreamAttempt[]> {
    return settle(() => upstream.readAbandoned(this.#ctx, query));
  }

  claimUpstreamCancel(taskId: string, attempt: number, now: Date, staleBefore: Date): Promise<boolean> {
    return this.#write(() => upstream.claimCancel(this.#ctx, taskId, attempt, now, staleBefore));
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.#ctx.db.open) this.#ctx.db.close();
    });
  }

  // IMMEDIATE takes the write lock before the first read, so two processes on one file cannot both claim a task.
  #write<T>(work: () => T): Promise<T> {
    return settle(() => this.#ctx.db.transaction(work).immediate());
  }

  // A deferred transaction for reads that must see one moment across several statements.
  #read<T>(work: () => T): Promise<T> {
    return settle(() => this.#ctx.db.transaction(work)());
  }
}
