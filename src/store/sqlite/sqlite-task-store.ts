import Database from 'better-sqlite3';
import { TASK_STATUSES, type TaskStatus } from '../../contract/index.js';
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import {
  balanceDelta,
  balanceProblem,
  keyAccountFromSums,
  ledgerEntryFor,
  taskMoneyProblems,
  type KeyAccount,
  type LedgerAudit,
  type LedgerEntry,
} from '../ledger.js';
import {
  needsCallback,
  newDeliveryId,
  type ClaimDeliveriesOptions,
  type DeliveryLogEntry,
  type DeliveryOutcome,
  type DeliveryState,
  type WebhookDelivery,
} from '../webhook-outbox.js';
import type {
  ApiKeyRecord,
  ListLedgerOptions,
  TopUpResult,
  ClaimOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  InsertTaskOptions,
  InsertTaskResult,
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
  TransitionResult,
} from '../task-store.js';
import {
  newTaskRow,
  planCancel,
  planClaim,
  planComplete,
  planExpiredLease,
  planFail,
  planHeartbeat,
  taskBlobKeys,
  type Planned,
} from '../task-transitions.js';
import { attemptFromRow, attemptToRow, deliveryFromRow, newDeliveryRow } from './delivery-row.js';
import type { KeyAccountRow } from './ledger-row.js';
import { migrate } from './migrations.js';
import { prepareStatements, type Statements } from './statements.js';
import { keyFromRow, keyToParams, taskFromRow, taskToParams } from './task-row.js';

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

/** Thrown when a row changed between read and write; inside an immediate transaction it means a bug. */
export class VersionConflictError extends Error {
  constructor(id: string, version: number) {
    super(`Task ${id} changed while it was being updated (expected version ${version})`);
    this.name = 'VersionConflictError';
  }
}

/** {@link TaskStore} on one better-sqlite3 connection. Writes run in immediate transactions. */
export class SqliteTaskStore implements TaskStore {
  readonly #db: Database.Database;
  readonly #sql: Statements;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = prepareStatements(db);
  }

  insertTask(task: NewTask, options: InsertTaskOptions = {}): Promise<InsertTaskResult> {
    const idempotency = options.idempotency ?? null;
    return this.#write((): InsertTaskResult => {
      if (idempotency) {
        const existing = this.#sql.getTaskByIdempotencyKey.get(task.keyId, idempotency.key);
        if (existing) return { inserted: false, existing: taskFromRow(existing) };
      }
      const balance = this.#sql.getKey.get(task.keyId)?.balance_micros ?? null;
      if (balance !== null && balance < task.costMicros) {
        return { inserted: false, insufficientBalance: { balanceMicros: balance } };
      }
      const row = newTaskRow(task, idempotency);
      this.#sql.insertTask.run(taskToParams(row));
      this.#afterChange(null, row);
      return { inserted: true, task: row };
    });
  }

  getTask(id: string): Promise<StoredTask | null> {
    return settle(() => this.#read(id));
  }

  findTaskByIdempotencyKey(keyId: string, idempotencyKey: string): Promise<StoredTask | null> {
    return settle(() => {
      const row = this.#sql.getTaskByIdempotencyKey.get(keyId, idempotencyKey);
      return row ? taskFromRow(row) : null;
    });
  }

  listTasks(keyId: string, options: ListTasksOptions): Promise<TaskPage> {
    return settle(() => {
      const limit = Math.max(1, Math.trunc(options.limit));
      const after = options.cursor ? decodeListCursor(options.cursor) : null;
      // One extra row tells whether another page follows.
      const rows = this.#sql.listTasks.all({
        key_id: keyId,
        status: options.status ?? null,
        after_ms: after?.createdAtMs ?? null,
        after_id: after?.id ?? '',
        limit: limit + 1,
      });
      const tasks = rows.slice(0, limit).map(taskFromRow);
      const last = tasks.at(-1);
      const nextCursor =
        rows.length > limit && last
          ? encodeListCursor({ createdAtMs: last.createdAt.getTime(), id: last.id })
          : null;
      return { tasks, nextCursor };
    });
  }

  claimNextTask(options: ClaimOptions): Promise<StoredTask | null> {
    return this.#write(() => {
      const row = this.#sql.nextPending.get({ include_off_peak: options.includeOffPeak ? 1 : 0 });
      if (!row) return null;
      const task = taskFromRow(row);
      return this.#save(task, planClaim(task, options.owner, options.leaseMs, options.now));
    });
  }

  heartbeat(id: string, owner: string, options: HeartbeatOptions): Promise<boolean> {
    return this.#write(() => {
      const task = this.#read(id);
      const next = task && planHeartbeat(task, owner, options);
      if (!next) return false;
      this.#save(task, next);
      return true;
    });
  }

  completeTask(id: string, owner: string, output: TaskOutput, now: Date): Promise<TransitionResult> {
    return this.#transition(id, (task) => planComplete(task, owner, output, now));
  }

  failTask(id: string, owner: string | null, error: TaskError, now: Date): Promise<TransitionResult> {
    return this.#transition(id, (task) => planFail(task, owner, error, now));
  }

  cancelTask(
    id: string,
    keyId: string | null,
    now: Date,
    error: TaskError | null = null,
  ): Promise<TransitionResult> {
    return this.#transition(id, (task) => planCancel(task, keyId, now, error));
  }

  requeueExpiredLeases(options: RequeueOptions): Promise<RequeueResult> {
    return this.#write(() => {
      const result: RequeueResult = { requeued: [], failed: [] };
      for (const row of this.#sql.expiredLeases.all(options.now.getTime())) {
        const task = taskFromRow(row);
        const next = this.#save(task, planExpiredLease(task, options.maxAttempts, options.now));
        (next.status === 'failed' ? result.failed : result.requeued).push(next);
      }
      return result;
    });
  }

  expireOffPeakTasks(options: ExpireOffPeakOptions): Promise<StoredTask[]> {
    return this.#write(() =>
      this.#sql.staleOffPeak.all(options.createdBefore.getTime()).map((row) => {
        const task = taskFromRow(row);
        const planned = planCancel(task, null, options.now, options.error);
        if (!planned.ok) throw new Error(`pending task ${row.id} refused to cancel: ${planned.reason}`);
        return this.#save(task, planned.task);
      }),
    );
  }

  countByStatus(): Promise<Record<TaskStatus, number>> {
    return settle(() => {
      const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<
        TaskStatus,
        number
      >;
      for (const row of this.#sql.countByStatus.all()) counts[row.status as TaskStatus] = row.count;
      return counts;
    });
  }

  queueDepth(): Promise<number> {
    return settle(() => this.#sql.queueDepth.get()?.count ?? 0);
  }

  deleteFinishedBefore(date: Date): Promise<RetentionResult> {
    return this.#write(() => {
      const result: RetentionResult = { taskIds: [], blobKeys: [] };
      for (const row of this.#sql.finishedBefore.all(date.getTime())) {
        this.#sql.deleteDeliveriesOfTask.run(row.id);
        this.#sql.deleteTask.run(row.id);
        result.taskIds.push(row.id);
        result.blobKeys.push(
          ...taskBlobKeys({
            inputKeys: JSON.parse(row.input_keys) as string[],
            outputVideoKey: row.output_video_key,
            outputCoverKey: row.output_cover_key,
          }),
        );
      }
      return result;
    });
  }

  insertKey(key: ApiKeyRecord): Promise<void> {
    return this.#write(() => {
      this.#sql.insertKey.run(keyToParams(key));
      // A starting balance is the key's first top-up, so the ledger explains every balance from the start.
      if (key.balanceMicros !== null && key.balanceMicros > 0) {
        this.#sql.insertLedger.run(key.id, null, 'top_up', key.balanceMicros, key.createdAt.getTime());
      }
    });
  }

  findKeyByHash(secretHash: string): Promise<ApiKeyRecord | null> {
    return settle(() => {
      const row = this.#sql.findKeyByHash.get(secretHash);
      return row ? keyFromRow(row) : null;
    });
  }

  getKey(id: string): Promise<ApiKeyRecord | null> {
    return settle(() => {
      const row = this.#sql.getKey.get(id);
      return row ? keyFromRow(row) : null;
    });
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return settle(() => this.#sql.listKeys.all().map(keyFromRow));
  }

  revokeKey(id: string, now: Date): Promise<ApiKeyRecord | null> {
    return this.#write(() => {
      this.#sql.revokeKey.run(now.getTime(), id);
      const row = this.#sql.getKey.get(id);
      return row ? keyFromRow(row) : null;
    });
  }

  rotateWebhookSecret(id: string, secret: string, previousUntil: Date): Promise<ApiKeyRecord | null> {
    return this.#write(() => {
      this.#sql.rotateWebhookSecret.run({ id, secret, until: previousUntil.getTime() });
      const row = this.#sql.getKey.get(id);
      return row ? keyFromRow(row) : null;
    });
  }

  touchKey(id: string, now: Date): Promise<void> {
    return this.#write(() => {
      this.#sql.touchKey.run(now.getTime(), id);
    });
  }

  topUpKey(id: string, amountMicros: number, now: Date): Promise<TopUpResult> {
    return this.#write((): TopUpResult => {
      const row = this.#sql.getKey.get(id);
      if (!row) return { ok: false, reason: 'not_found' };
      if (row.balance_micros === null) return { ok: false, reason: 'unlimited' };
      // Micro-dollars stay exact only as safe integers.
      if (!Number.isSafeInteger(row.balance_micros + amountMicros)) return { ok: false, reason: 'too_large' };
      this.#sql.insertLedger.run(id, null, 'top_up', amountMicros, now.getTime());
      this.#sql.adjustBalance.run(amountMicros, id);
      const key = keyFromRow(this.#sql.getKey.get(id) ?? row);
      return { ok: true, key, account: this.#account(id) ?? accountFromRow(undefined, id) };
    });
  }

  getKeyAccount(id: string): Promise<KeyAccount | null> {
    return settle(() => this.#account(id));
  }

  listKeyAccounts(): Promise<KeyAccount[]> {
    return settle(() => this.#sql.keyAccounts.all().map((row) => accountFromRow(row, row.key_id)));
  }

  listLedger(keyId: string, options: ListLedgerOptions): Promise<LedgerEntry[]> {
    return settle(() =>
      this.#sql.listLedger
        .all({ key_id: keyId, before_id: options.beforeId ?? null, limit: Math.max(1, options.limit) })
        .map((row) => ({
          id: row.id,
          keyId: row.key_id,
          taskId: row.task_id,
          kind: row.kind,
          amountMicros: row.amount_micros,
          createdAt: new Date(row.created_at),
        })),
    );
  }

  auditLedger(): Promise<LedgerAudit> {
    // One read transaction, so the sums and the tasks are of the same moment.
    return settle(() =>
      this.#db.transaction((): LedgerAudit => {
        const problems: string[] = [];
        for (const row of this.#sql.keyAccounts.all()) {
          const problem = balanceProblem(accountFromRow(row, row.key_id), row.held_total);
          if (problem) problems.push(problem);
        }
        for (const row of this.#sql.taskMoney.all()) {
          problems.push(
            ...taskMoneyProblems({
              taskId: row.id,
              status: row.status as StoredTask['status'],
              costMicros: row.cost_micros,
              foreignEntries: row.foreign_entries,
              hold: row.hold,
              charge: row.charge,
              refund: row.refund,
            }),
          );
        }
        return { balanced: problems.length === 0, problems };
      })(),
    );
  }

  claimDueDeliveries(options: ClaimDeliveriesOptions): Promise<WebhookDelivery[]> {
    return this.#write(() => {
      const now = options.now.getTime();
      const rows = this.#sql.dueDeliveries.all({ now, limit: Math.max(1, options.limit) });
      for (const row of rows) this.#sql.leaseDelivery.run(options.owner, now + options.leaseMs, row.id);
      return rows.map(deliveryFromRow);
    });
  }

  renewDeliveryLease(id: string, owner: string, now: Date, until: Date): Promise<boolean> {
    return this.#write(
      () =>
        this.#sql.renewDeliveryLease.run({ id, owner, now: now.getTime(), until: until.getTime() })
          .changes === 1,
    );
  }

  recordDeliveryAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean> {
    return this.#write(() => {
      const { attempt } = outcome;
      const finished = attempt.startedAt.getTime() + attempt.durationMs;
      const state = outcome.delivered ? 'delivered' : outcome.nextAttemptAt ? 'pending' : 'failed';
      const { changes } = this.#sql.recordDelivery.run({
        id,
        owner,
        payload: outcome.payload,
        state,
        attempts: attempt.attempt,
        next_attempt_at: state === 'pending' ? (outcome.nextAttemptAt?.getTime() ?? null) : null,
        delivered_at: outcome.delivered ? finished : null,
        last_status: attempt.httpStatus,
        last_error: attempt.error,
      });
      if (changes !== 1) return false;
      this.#sql.insertAttempt.run(attemptToRow(attempt));
      return true;
    });
  }

  listDeliveries(taskId: string): Promise<DeliveryLogEntry[]> {
    return settle(() =>
      this.#db.transaction((): DeliveryLogEntry[] => {
        const attempts = this.#sql.attemptsOfTask.all(taskId).map(attemptFromRow);
        return this.#sql.deliveriesOfTask.all(taskId).map((row) => ({
          ...deliveryFromRow(row),
          attemptLog: attempts.filter((attempt) => attempt.deliveryId === row.id),
        }));
      })(),
    );
  }

  countDeliveriesByState(): Promise<Record<DeliveryState, number>> {
    return settle(() => {
      const counts = { pending: 0, delivered: 0, failed: 0 };
      for (const row of this.#sql.countDeliveriesByState.all())
        counts[row.state as DeliveryState] = row.count;
      return counts;
    });
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.#db.open) this.#db.close();
    });
  }

  #read(id: string): StoredTask | null {
    const row = this.#sql.getTask.get(id);
    return row ? taskFromRow(row) : null;
  }

  // Writes `next` over the row it was planned from (version - 1), so a change made in between is caught.
  #save(before: StoredTask, next: StoredTask): StoredTask {
    const expected = next.version - 1;
    const { changes } = this.#sql.updateTask.run({ ...taskToParams(next), expected_version: expected });
    if (changes !== 1) throw new VersionConflictError(next.id, expected);
    this.#afterChange(before, next);
    return next;
  }

  // What a change moves besides the row, inside its transaction: the ledger entry and the callback, so a crash
  // can never leave a status change without its money or its callback, nor the other way round.
  #afterChange(before: StoredTask | null, after: StoredTask): void {
    // Heartbeats and progress move neither money nor callbacks; they are most of the writes.
    if (before !== null && before.status === after.status) return;
    const held = before === null ? null : (this.#sql.heldForTask.get(after.id)?.amount_micros ?? null);
    const entry = ledgerEntryFor(before, after, held);
    if (entry) {
      const at = after.updatedAt.getTime();
      this.#sql.insertLedger.run(after.keyId, after.id, entry.kind, entry.amountMicros, at);
      const delta = balanceDelta(entry.kind, entry.amountMicros);
      if (delta !== 0) this.#sql.adjustBalance.run(delta, after.keyId);
    }
    if (needsCallback(before, after)) this.#sql.insertDelivery.run(newDeliveryRow(newDeliveryId(), after));
  }

  #account(id: string): KeyAccount | null {
    const row = this.#sql.keyAccount.get(id);
    return row ? accountFromRow(row, id) : null;
  }

  #transition(id: string, plan: (task: StoredTask) => Planned): Promise<TransitionResult> {
    return this.#write((): TransitionResult => {
      const task = this.#read(id);
      if (!task) return { ok: false, reason: 'not_found' };
      const planned = plan(task);
      return planned.ok ? { ok: true, task: this.#save(task, planned.task) } : planned;
    });
  }

  // IMMEDIATE takes the write lock before the first read, so two processes on one file cannot both claim a task.
  #write<T>(work: () => T): Promise<T> {
    return settle(() => this.#db.transaction(work).immediate());
  }
}

function accountFromRow(row: KeyAccountRow | undefined, keyId: string): KeyAccount {
  return keyAccountFromSums({
    keyId,
    balanceMicros: row?.balance_micros ?? null,
    toppedUp: row?.topped_up ?? 0,
    held: row?.held_total ?? 0,
    charged: row?.charged ?? 0,
    refunded: row?.refunded ?? 0,
  });
}

// better-sqlite3 is synchronous; this keeps the interface's promise contract (errors become rejections).
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
