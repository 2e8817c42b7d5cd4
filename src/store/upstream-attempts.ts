import type { Micros } from '../contract/index.js';

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
  createdAt: Date;
  updatedAt: Date;
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
