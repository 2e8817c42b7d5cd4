// The options and results of the TaskStore's task methods.
import type { Micros, TaskStatus } from '../contract/index.js';
import type { StoredTask, TaskError } from './task-store.js';
import type { UpstreamInfo } from './upstream-attempts.js';

/**
 * Limits {@link TaskStore.insertTask} checks in the insert's own transaction, serialised with every other insert
 * that checks them (across processes on PostgreSQL), so a burst of creates cannot pass a limit together.
 */
export interface InsertLimits {
  /** Pending and processing tasks the key may have; the insert is refused when it already has this many. */
  maxActiveTasks?: number;
  /** Pending tasks the whole service accepts; the insert is refused when this many are waiting. */
  maxQueue?: number;
}

/** Which limit refused an insert, the count found and the limit. */
export interface LimitReached {
  limit: 'active_tasks' | 'queue';
  count: number;
  max: number;
}

/** Options for {@link TaskStore.insertTask}. */
export interface InsertTaskOptions {
  /** The `Idempotency-Key` and the request's hash; unique per API key. */
  idempotency?: { key: string; requestHash: string } | null;
  /** Checked after the idempotency key (a retry of a stored create is answered, not refused) and before the balance. */
  limits?: InsertLimits;
}

/**
 * A new row (its cost held in the same transaction), the row that already holds the idempotency key, or a
 * refusal because a limit is reached or the key's balance does not cover the cost (nothing inserted then).
 */
export type InsertTaskResult =
  | { inserted: true; task: StoredTask }
  | { inserted: false; existing: StoredTask; limitReached?: undefined; insufficientBalance?: undefined }
  | {
      inserted: false;
      existing?: undefined;
      limitReached?: undefined;
      insufficientBalance: { balanceMicros: Micros };
    }
  | { inserted: false; existing?: undefined; insufficientBalance?: undefined; limitReached: LimitReached };

/** Options for {@link TaskStore.listTasks}. */
export interface ListTasksOptions {
  status?: TaskStatus;
  /** Page size, at least 1. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** One page of tasks, newest first. */
export interface TaskPage {
  tasks: StoredTask[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** Options for {@link TaskStore.claimNextTask}. */
export interface ClaimOptions {
  /** Worker id that will own the lease. */
  owner: string;
  leaseMs: number;
  now: Date;
  /** Whether off-peak tasks may be taken (the service is idle or in the off-peak window). */
  includeOffPeak: boolean;
  /** Only tasks of these models (those with a backend free now); absent = any model. */
  models?: readonly string[];
}

/**
 * Options for {@link TaskStore.claimTask}: a claim of one named task, so neither off-peak nor a model filter
 * applies (neither adapter would honour `models` here, so the type does not accept it).
 */
export type ClaimTaskOptions = Omit<ClaimOptions, 'includeOffPeak' | 'models'>;

/** Options for {@link TaskStore.expireOffPeakTasks}. */
export interface ExpireOffPeakOptions {
  createdBefore: Date;
  now: Date;
  error: TaskError;
}

/** Options for {@link TaskStore.heartbeat}. */
export interface HeartbeatOptions {
  leaseMs: number;
  now: Date;
  /** New progress, 0..1. */
  progress?: number;
}

/** What a finished render produced. Render facts given here replace the ones stored at create. */
export interface TaskOutput {
  videoKey: string;
  coverKey: string | null;
  /** Seconds. */
  duration: number;
  recommendedPrompt?: string | null;
  music?: string | null;
  width?: number;
  height?: number;
  fps?: number;
  frames?: number;
  /** Which backend made it, and the upstream task for an upstream one. */
  backend?: string;
  upstream?: UpstreamInfo | null;
}

/**
 * Why a transition was refused: no such task (or another key's), a task in a final state that cannot be
 * cancelled, a worker whose lease was taken away (cancelled, expired and requeued), or a final task failed again.
 */
export type TransitionRefusal = 'not_found' | 'not_cancellable' | 'lease_lost' | 'already_final';

/** Result of a status change. */
export type TransitionResult = { ok: true; task: StoredTask } | { ok: false; reason: TransitionRefusal };

/** Options for {@link TaskStore.requeueExpiredLeases}. */
export interface RequeueOptions {
  now: Date;
  /** A task whose lease expires after this many claims fails with 002014012 instead of going back. */
  maxAttempts: number;
}

/** The tasks {@link TaskStore.requeueExpiredLeases} changed, as they are now. */
export interface RequeueResult {
  requeued: StoredTask[];
  failed: StoredTask[];
}

/** What {@link TaskStore.deleteFinishedBefore} removed. */
export interface RetentionResult {
  taskIds: string[];
  /** Input and output blob keys of the deleted tasks, for the blob store to delete. */
  blobKeys: string[];
}
