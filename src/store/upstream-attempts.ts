import type { Micros, TaskStatus } from '../contract/index.js';

/**
 * Where one upstream attempt stands. `submitting` is written before the request goes out, so a crash leaves a
 * trace: the submission is in doubt until the provider's task list says whether it arrived. `accepted` has the
 * provider's task id; the others are final. `rejected` means the provider never took it (nothing paid).
 */
export const UPSTREAM_ATTEMPT_STATES = [
  'submitting',
  'accepted',
  'rejected',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type UpstreamAttemptState = (typeof UPSTREAM_ATTEMPT_STATES)[number];

/** States in which the attempt may still own a paid upstream task. */
export function isOpenAttempt(state: UpstreamAttemptState): boolean {
  return state === 'submitting' || state === 'accepted';
}

/** One try at having a provider render a task; at most one per task is ever open. */
export interface UpstreamAttempt {
  taskId: string;
  /** 1, 2, ... per task. */
  attempt: number;
  /** The key the task belongs to, kept so the cost outlives the task (retention). */
  keyId: string;
  provider: string;
  /** The provider's model name. */
  model: string;
  /** inbetween's tag in the upstream payload: `inbetween:<task id>:<attempt>`. */
  tag: string;
  state: UpstreamAttemptState;
  /** The provider's task id, stored the moment it is known. */
  upstreamTaskId: string | null;
  /** What the provider charged: credits, and/or USD. */
  credits: number | null;
  costMicros: Micros | null;
  /** The provider's reason, for a rejection or failure. */
  reason: string | null;
  /**
   * When a process claimed the upstream cancel of this attempt (see {@link TaskStore.claimUpstreamCancel}); null
   * while nobody has. A claim older than the claim time limit belongs to a process that died and may be taken.
   */
  cancelClaimedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * An attempt that may still own a paid upstream task although nobody follows it any more: its task ended
 * (cancelled while no worker held it, failed when its attempts ran out) or was deleted.
 */
export interface AbandonedUpstreamAttempt {
  attempt: UpstreamAttempt;
  /** The task's state; null when the task row is gone. */
  taskStatus: TaskStatus | null;
}

/** What {@link TaskStore.listAbandonedUpstreamAttempts} looks for. */
export interface AbandonedAttemptsQuery {
  /** Only attempts with these providers (the ones the caller can reach). */
  providers: readonly string[];
  /** Attempts whose cancel was claimed at or after this moment are someone else's still. */
  claimedBefore: Date;
  /**
   * A submission (no upstream id yet) written at or after this moment may still be answered to a live worker;
   * it is left until it is older.
   */
  submittedBefore: Date;
  limit: number;
}

/** What {@link TaskStore.recordUpstreamAttempt} needs. */
export interface NewUpstreamAttempt {
  taskId: string;
  keyId: string;
  provider: string;
  model: string;
  now: Date;
}

/** The fields {@link TaskStore.updateUpstreamAttempt} may change; absent ones stay. */
export interface UpstreamAttemptChange {
  state?: UpstreamAttemptState;
  upstreamTaskId?: string;
  credits?: number;
  costMicros?: Micros;
  reason?: string;
}

/** A key's upstream cost, summed over its attempts. */
export interface UpstreamCost {
  credits: number;
  costMicros: Micros;
}

/** What an upstream provider made of a task, as `metadata.upstream` shows it. */
export interface UpstreamInfo {
  provider: string;
  task_id: string;
  model: string;
  /** Provider credits (Vidu). */
  credits?: number;
  /** USD as the provider charged it (the gateway), a decimal string. */
  cost?: string;
}

/** The tag for attempt `attempt` of a task. */
export function upstreamTag(taskId: string, attempt: number): string {
  return `inbetween:${taskId}:${attempt}`;
}
