import type { GenerationRequest, Micros, TaskStatus } from '../contract/index.js';
import type { KeyAccount, LedgerAudit, LedgerEntry } from './ledger.js';
import type {
  AbandonedAttemptsQuery,
  AbandonedUpstreamAttempt,
  NewUpstreamAttempt,
  UpstreamAttempt,
  UpstreamAttemptChange,
  UpstreamCost,
  UpstreamInfo,
} from './upstream-attempts.js';
import type {
  ClaimDeliveriesOptions,
  DeliveryLogEntry,
  DeliveryOutcome,
  DeliveryState,
  WebhookDelivery,
} from './webhook-outbox.js';

/** The create request as stored: everything validated except the image data, which lives in blobs. */
export type StoredRequest = Omit<GenerationRequest, 'images'>;

/** A code and message stored on a failed (or cancelled) task. */
export interface TaskError {
  code: string;
  message: string;
}

/** A task row: what the service and the workers read and write. */
export interface StoredTask {
  /** `task_` + 24 url-safe random characters, made by the service. */
  id: string;
  keyId: string;
  model: string;
  status: TaskStatus;
  /** 0..1. */
  progress: number;
  request: StoredRequest;
  /** Blob keys of the stored input images, start frame first. */
  inputKeys: string[];
  /** The seed actually used (never 0). */
  seed: number;
  /** Output size and timing; null until known. */
  width: number | null;
  height: number | null;
  fps: number | null;
  frames: number | null;
  durationSeconds: number;
  /** What the task costs (held at create, charged on completion). */
  costMicros: Micros;
  /** Price multiplier, 1 = none. */
  discount: number;
  offPeak: boolean;
  callbackUrl: string | null;
  /**
   * The sealed API key that signs this task's callbacks Vidu's way (tasks made through /ent/v2 with a
   * callback_url); copied into each callback row, and erased from the task when it reaches a final state.
   */
  callbackSigningKey: string | null;
  idempotencyKey: string | null;
  /** Hash of the create body, to tell "same request again" from "same key, other body". */
  requestHash: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  outputVideoKey: string | null;
  outputCoverKey: string | null;
  /** Seconds. */
  outputDuration: number | null;
  recommendedPrompt: string | null;
  /** The background music preset chosen for a bgm task, once rendered. */
  music: string | null;
  /** The backend that renders (rendered) it: `local`, `vidu`, `gateway`; null until one is chosen. */
  backend: string | null;
  /** The provider's task, for one rendered upstream. */
  upstream: UpstreamInfo | null;
  /** How many times a worker claimed it (a task handed back by a stopping worker does not count). */
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  /** 1 at insert, bumped on every change. */
  version: number;
}

/** What the service supplies to create a task; the store fills in state, counters and timestamps. */
export type NewTask = Pick<
  StoredTask,
  | 'id'
  | 'keyId'
  | 'model'
  | 'request'
  | 'inputKeys'
  | 'seed'
  | 'width'
  | 'height'
  | 'fps'
  | 'frames'
  | 'durationSeconds'
  | 'costMicros'
  | 'discount'
  | 'offPeak'
  | 'callbackUrl'
  | 'callbackSigningKey'
  | 'createdAt'
>;

export type * from './task-store-options.js';
import type {
  InsertTaskOptions,
  InsertTaskResult,
  ListTasksOptions,
  TaskPage,
  ClaimOptions,
  ClaimTaskOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  TaskOutput,
  TransitionResult,
  RequeueOptions,
  RequeueResult,
  RetentionResult,
} from './task-store-options.js';

export type * from './key-records.js';
import type {
  ApiKeyRecord,
  MoneyCallOptions,
  BalanceAdjustment,
  MoneyCallResult,
  TopUpResult,
  ListLedgerOptions,
} from './key-records.js';

/**
 * Persistence of tasks and API keys. Every status change is checked with `canTransition` and written in one
 * transaction guarded by the row's version. All methods are async so that a PostgreSQL adapter fits behind it;
 * `describeTaskStore` is the contract every adapter must pass.
 */
export interface TaskStore {
  /** Inserts a pending task, or returns the task that already holds `(keyId, idempotency.key)`. */
  insertTask(task: NewTask, options?: InsertTaskOptions): Promise<InsertTaskResult>;
  getTask(id: string): Promise<StoredTask | null>;
  /** The key's task created with this `Idempotency-Key`, if any. */
  findTaskByIdempotencyKey(keyId: string, idempotencyKey: string): Promise<StoredTask | null>;
  /** A key's tasks, newest first; the cursor stays stable while tasks are inserted. Bad cursor: {@link InvalidCursorError}. */
  listTasks(keyId: string, options: ListTasksOptions): Promise<TaskPage>;
  /** Atomically leases the oldest pending task to `owner` (attempts + 1); null when none is waiting. */
  claimNextTask(options: ClaimOptions): Promise<StoredTask | null>;
  /**
   * Atomically leases the task `id` to `owner` (attempts + 1) if it is pending; null when it is missing or not
   * pending any more (a queue's job for a task that was cancelled, claimed or finished meanwhile).
   */
  claimTask(id: string, options: ClaimTaskOptions): Promise<StoredTask | null>;
  /**
   * Extends `owner`'s lease from `now`; false when the task is no longer processing under that owner. A lease past
   * its expiry that nobody has requeued yet is still the owner's, so it is extended.
   */
  heartbeat(id: string, owner: string, options: HeartbeatOptions): Promise<boolean>;
  /** processing -> completed, only by the lease owner. */
  completeTask(id: string, owner: string, output: TaskOutput, now: Date): Promise<TransitionResult>;
  /** -> failed; by the lease owner, or with owner null by the service (pending or processing). */
  failTask(id: string, owner: string | null, error: TaskError, now: Date): Promise<TransitionResult>;
  /**
   * pending or processing -> cancelled. `keyId` must own the task (another key's task is not_found); null for
   * the service itself, which may also store an error saying why.
   */
  cancelTask(
    id: string,
    keyId: string | null,
    now: Date,
    error?: TaskError | null,
  ): Promise<TransitionResult>;
  /**
   * processing -> pending by the lease owner, without counting the claim as an attempt: a worker that stops
   * (a deploy) or cannot start the task now hands it back rather than letting the lease run out.
   */
  releaseTask(id: string, owner: string, now: Date): Promise<TransitionResult>;
  /** Records the backend rendering a processing task (lease owner only); false when the lease is gone. */
  setTaskBackend(
    id: string,
    owner: string,
    backend: string,
    upstream: UpstreamInfo | null,
    now: Date,
  ): Promise<boolean>;
  /** Expired leases back to pending, or to failed (002014012) once `maxAttempts` claims are used up. */
  requeueExpiredLeases(options: RequeueOptions): Promise<RequeueResult>;
  /** Fails pending off-peak tasks created before `createdBefore`, with `error` as the reason (and refunds them). */
  expireOffPeakTasks(options: ExpireOffPeakOptions): Promise<StoredTask[]>;
  /** Number of tasks in every state (all states present). */
  countByStatus(): Promise<Record<TaskStatus, number>>;
  /** Pending tasks, off-peak ones included. */
  queueDepth(): Promise<number>;
  /** Deletes tasks that reached a final state before `date`, with their callbacks (the ledger stays). */
  deleteFinishedBefore(date: Date): Promise<RetentionResult>;
  /** Which of `ids` have a task row (any state), in no particular order; for the sweep of orphaned blobs. */
  existingTaskIds(ids: readonly string[]): Promise<string[]>;

  /** Throws when the id or the secret hash is taken. */
  insertKey(key: ApiKeyRecord): Promise<void>;
  /** The key with this secret hash, revoked or not (the caller checks `revokedAt`). */
  findKeyByHash(secretHash: string): Promise<ApiKeyRecord | null>;
  getKey(id: string): Promise<ApiKeyRecord | null>;
  /** Oldest first. */
  listKeys(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked (the first revocation time is kept); null when there is no such key. */
  revokeKey(id: string, now: Date): Promise<ApiKeyRecord | null>;
  /**
   * Replaces the key's webhook secret; the old one keeps signing callbacks beside it until `previousUntil`, so
   * receivers can switch without dropping a callback. Null when there is no such key.
   */
  rotateWebhookSecret(id: string, secret: string, previousUntil: Date): Promise<ApiKeyRecord | null>;
  /** Records that the key was used at `now`. */
  touchKey(id: string, now: Date): Promise<void>;

  /**
   * Adds to a limited key's balance through a `top_up` ledger entry; an unlimited key is refused. With an
   * idempotency key that already made an entry: that entry again (same hash) or `idempotency_conflict`.
   */
  topUpKey(id: string, amountMicros: Micros, now: Date, options?: MoneyCallOptions): Promise<TopUpResult>;
  /**
   * Credits or debits a limited key's balance through a `credit` or `debit` ledger entry with its reason; a debit
   * larger than the balance and an unlimited key are refused. Idempotency as for {@link topUpKey}.
   */
  adjustKeyBalance(
    id: string,
    adjustment: BalanceAdjustment,
    now: Date,
    options?: MoneyCallOptions,
  ): Promise<MoneyCallResult>;
  /** The key's balance, held, spent and refunded money; null when there is no such key. */
  getKeyAccount(id: string): Promise<KeyAccount | null>;
  /** Every key's account, in the order of {@link listKeys}. */
  listKeyAccounts(): Promise<KeyAccount[]>;
  /** A key's ledger, newest first. */
  listLedger(keyId: string, options: ListLedgerOptions): Promise<LedgerEntry[]>;
  /**
   * Checks that the ledger balances: every limited key's balance equals its top-ups minus holds plus refunds
   * plus credits minus debits,
   * and every task that still exists has one hold and, once final, exactly one charge (completed) or refund
   * (failed, cancelled) of the held amount, and neither while unfinished.
   */
  auditLedger(): Promise<LedgerAudit>;

  /**
   * Leases up to `limit` callback deliveries that are due (oldest due first) to `owner`, so that several
   * dispatchers never send the same attempt twice; a lease that runs out makes the delivery due again.
   */
  claimDueDeliveries(options: ClaimDeliveriesOptions): Promise<WebhookDelivery[]>;
  /**
   * Extends `owner`'s lease on a delivery to `until`, right before an attempt, so a batch whose earlier attempts
   * were slow never sends one whose lease ran out (another dispatcher may hold it now); false when it is lost.
   */
  renewDeliveryLease(id: string, owner: string, now: Date, until: Date): Promise<boolean>;
  /**
   * Keeps `payload` as the delivery's body, before its first send, unless one is kept already; only while `owner`
   * holds the lease. Answers the body kept (the earlier one, if any), or null when the lease is lost. A
   * dispatcher that dies mid-send thus leaves the bytes it sent, and the retry sends them again.
   */
  keepDeliveryPayload(id: string, owner: string, now: Date, payload: string): Promise<string | null>;
  /** Records an attempt by the lease owner and schedules the next one; false when the lease was lost. */
  recordDeliveryAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** A task's callbacks with their attempts, oldest first. */
  listDeliveries(taskId: string): Promise<DeliveryLogEntry[]>;
  /** Number of callbacks in every state (all states present). */
  countDeliveriesByState(): Promise<Record<DeliveryState, number>>;

  /**
   * Records an upstream attempt in state `submitting`, before anything is sent, numbered after the task's last
   * one. Refused (throws) while another attempt of the task is still open: one paid upstream task per task.
   */
  recordUpstreamAttempt(attempt: NewUpstreamAttempt): Promise<UpstreamAttempt>;
  /** Changes an attempt (the upstream id the moment it is known, its state, cost, reason). */
  updateUpstreamAttempt(
    taskId: string,
    attempt: number,
    change: UpstreamAttemptChange,
    now: Date,
  ): Promise<void>;
  /** A task's upstream attempts, oldest first. */
  listUpstreamAttempts(taskId: string): Promise<UpstreamAttempt[]>;
  /** What providers charged for a key's tasks, summed over every attempt (kept when tasks are deleted). */
  upstreamCost(keyId: string): Promise<UpstreamCost>;
  /**
   * Open attempts (submitting, accepted) whose task is final or gone and whose cancel nobody claimed since
   * `claimedBefore`, least recently changed first: the provider may be rendering, and charging, for nothing.
   */
  listAbandonedUpstreamAttempts(query: AbandonedAttemptsQuery): Promise<AbandonedUpstreamAttempt[]>;
  /**
   * Claims the upstream cancel of an open attempt: true for exactly one caller across processes, until its claim
   * is older than `staleBefore` (the process that took it died before it recorded the outcome); false when the
   * attempt is not open any more or someone else holds the claim.
   */
  claimUpstreamCancel(taskId: string, attempt: number, now: Date, staleBefore: Date): Promise<boolean>;

  close(): Promise<void>;
}
