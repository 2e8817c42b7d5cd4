import { randomBytes } from 'node:crypto';
import type { TaskStatus } from '../contract/index.js';
import type { StoredTask } from './task-store.js';

/** Where a callback delivery stands: still being tried, accepted by the receiver, or given up after the last retry. */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * One callback: the task as it was at one status change, for one URL. Written to the outbox in the same
 * transaction as the change, so a change is never made without its callback or announced without being made.
 * The id is the `webhook-id` the receiver sees on every attempt, so it can drop a retry it already handled.
 */
export interface WebhookDelivery {
  /** `msg_` + random characters. */
  id: string;
  taskId: string;
  keyId: string;
  url: string;
  /** The status the task moved into. */
  event: TaskStatus;
  /** The task as it was right after the change. */
  task: StoredTask;
  /**
   * The task's sealed Vidu signing key while the delivery is pending (null for Standard Webhooks tasks); erased
   * once it is delivered or given up.
   */
  signingKey: string | null;
  /** The exact body sent, fixed at the first attempt so every retry sends the same bytes; null before. */
  payload: string | null;
  state: DeliveryState;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: Date | null;
  createdAt: Date;
  /** When the receiver accepted it. */
  deliveredAt: Date | null;
  /** The last attempt's HTTP status (null when it got no answer) and error. */
  lastStatus: number | null;
  lastError: string | null;
}

/** One try at delivering: when, how long, and what came back. */
export interface DeliveryAttempt {
  deliveryId: string;
  /** 1 for the first. */
  attempt: number;
  startedAt: Date;
  durationMs: number;
  /** The receiver's HTTP status; null when there was none (refused address, timeout, connection error). */
  httpStatus: number | null;
  /** Why it failed; null on success. */
  error: string | null;
}

/** A delivery with every attempt made so far, oldest first: the delivery log of a task. */
export interface DeliveryLogEntry extends WebhookDelivery {
  attemptLog: DeliveryAttempt[];
}

/** Options for {@link TaskStore.claimDueDeliveries}. */
export interface ClaimDeliveriesOptions {
  /** Dispatcher id that will own the leases. */
  owner: string;
  now: Date;
  /** How long the claim keeps other dispatchers away (longer than one attempt can take). */
  leaseMs: number;
  limit: number;
}

/** What one attempt ended with, for {@link TaskStore.recordDeliveryAttempt}. */
export interface DeliveryOutcome {
  attempt: DeliveryAttempt;
  /** The body sent (kept from the first attempt on). */
  payload: string;
  delivered: boolean;
  /** When to try again; null = give up (when not delivered). */
  nextAttemptAt: Date | null;
}

/** A task change makes a callback when the task has a callback URL and its status changed (creation included). */
export function needsCallback(before: StoredTask | null, after: StoredTask): boolean {
  return after.callbackUrl !== null && (before === null || before.status !== after.status);
}

/** A new `webhook-id`: `msg_` and 144 random bits. */
export function newDeliveryId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}
