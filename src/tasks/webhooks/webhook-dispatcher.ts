import { randomBytes } from 'node:crypto';
import { parseAllowList, type AllowList } from '../../media/index.js';
import type { StoredTask, TaskStore, WebhookDelivery } from '../../store/index.js';
import { postWebhook } from './post-webhook.js';
import { DEFAULT_RETRY_DELAYS_MS, nextAttemptAt } from './retry-schedule.js';
import { openSigningKey } from './seal-signing-key.js';
import { viduCallbackHeaders } from './sign-vidu-callback.js';
import { webhookHeaders } from './sign-webhook.js';
import { Slots } from './slots.js';

export interface WebhookDispatcherOptions {
  readonly store: TaskStore;
  /** The body of a callback: the task object as the API shows it, from the task as it was at the change. */
  readonly renderTask: (task: StoredTask) => unknown;
  /** Hosts exempt from the refusal of private addresses (tests, internal receivers). */
  readonly allowPrivateHosts?: readonly string[];
  /** Time limit of one attempt, DNS included; default 10 s. */
  readonly timeoutMs?: number;
  /** Waits after each failed attempt; default {@link DEFAULT_RETRY_DELAYS_MS}. */
  readonly retryDelaysMs?: readonly number[];
  /** How often the outbox is checked when nothing woke the dispatcher; default 1 s. */
  readonly pollMs?: number;
  /** Attempts in flight at once, all receivers together; default 16. */
  readonly concurrency?: number;
  /** Attempts in flight at once to one receiver (scheme, host and port); default 4. */
  readonly perReceiverConcurrency?: number;
  readonly clock?: () => Date;
  /** The deployment secret that opens the sealed API keys of tasks made through Vidu's dialect. */
  readonly callbackKeySecret?: string;
  /** Store errors (the dispatcher goes on); the process's logger in a server. */
  readonly onError: (error: unknown) => void;
}

/**
 * Sends the callbacks the store's outbox holds. Deliveries are leased, so several dispatchers (one per
 * process) never send the same attempt twice, and one that dies mid-send leaves its lease to run out and the
 * delivery to be tried again. Every attempt is logged; failures are retried on the schedule, then given up.
 *
 * There is no batch to wait for: a delivery is claimed as soon as a slot is free and sent on its own, so a
 * receiver that never answers holds only its own slots until the attempt's time limit, and at most
 * `perReceiverConcurrency` of them; every other receiver's callbacks go on meanwhile. One task's callbacks
 * go out one after another, in the order of its changes. Receivers must still accept a callback more than
 * once (`webhook-id` tells them it is the same one) and out of order after a retry (the task's status tells
 * which is newer: a final status is never followed by another).
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #owner = `dispatcher_${randomBytes(6).toString('base64url')}`;
  readonly #allowList: AllowList;
  readonly #clock: () => Date;
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #slots: Slots;
  readonly #receivers = new Map<string, Slots>();
  /** The last delivery of each task in this dispatcher's hands, which the task's next one waits for. */
  readonly #taskTails = new Map<string, Promise<void>>();
  /** Claimed and not yet finished: sending, or waiting for their task, their receiver or a slot. */
  #claimed = 0;
  #running: Promise<void> | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;
  #woken = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#allowList = parseAllowList(options.allowPrivateHosts);
    this.#clock = options.clock ?? (() => new Date());
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#concurrency = Math.max(1, options.concurrency ?? 16);
    this.#slots = new Slots(this.#concurrency);
  }

  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Checks the outbox now instead of at the next poll (a task just changed, or a slot came free). */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /**
   * Stops claiming, finishes the attempts in flight (each ends by its time limit) and stops. Claimed deliveries
   * not yet started are left to their leases, which run out, so the next dispatcher sends them.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#running;
    await Promise.all(this.#taskTails.values());
    this.#running = null;
  }

  async #loop(): Promise<void> {
    const pollMs = this.#options.pollMs ?? 1_000;
    while (!this.#stopping) {
      this.#woken = false;
      // Claims fill the free slots; a few more than that may wait in memory behind a busy receiver, but never
      // so many that a hanging receiver's backlog could keep the claims of everyone else away.
      const limit = Math.min(
        this.#concurrency - this.#slots.held,
        this.#concurrency * CLAIMED_PER_SLOT - this.#claimed,
      );
      let claimed = 0;
      if (limit > 0) {
        try {
          claimed = await this.#claim(limit);
        } catch (error) {
          this.#options.onError(error);
        }
      }
      // A full claim means more may be due: go on at once. Otherwise wait for a change, a free slot or the poll.
      if (this.#stopping || (claimed > 0 && claimed === limit) || this.#woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  async #claim(limit: number): Promise<number> {
    const due = await this.#options.store.claimDueDeliveries({
      owner: this.#owner,
      now: this.#clock(),
      leaseMs: leaseFor(this.#timeoutMs),
      limit,
    });
    for (const delivery of due) this.#dispatch(delivery);
    return due.length;
  }

  /** Sends `delivery` after its task's earlier callbacks, in a slot of its receiver and a slot of all. */
  #dispatch(delivery: WebhookDelivery): void {
    this.#claimed += 1;
    const previous = this.#taskTails.get(delivery.taskId) ?? Promise.resolve();
    const run = previous
      .then(async () => {
        const receiver = this.#receiverSlots(delivery.url);
        const releaseReceiver = await receiver.acquire();
        try {
          const release = await this.#slots.acquire();
          try {
            if (!this.#stopping) await this.#attempt(delivery, this.#timeoutMs);
          } finally {
            release();
          }
        } finally {
          releaseReceiver();
          if (receiver.demand === 0) this.#receivers.delete(receiverOf(delivery.url));
        }
      })
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => {
        this.#claimed -= 1;
        if (this.#taskTails.get(delivery.taskId) === run) this.#taskTails.delete(delivery.taskId);
        this.wake();
      });
    this.#taskTails.set(delivery.taskId, run);
  }

  #receiverSlots(url: string): Slots {
    const receiver = receiverOf(url);
    let slots = this.#receivers.get(receiver);
    if (!slots) {
      slots = new Slots(this.#options.perReceiverConcurrency ?? 4);
      this.#receivers.set(receiver, slots);
    }
    return slots;
  }

  async #attempt(delivery: WebhookDelivery, timeoutMs: number): Promise<void> {
    const { store } = this.#options;
    // The earlier callbacks of the same task may have used up much of the claim's lease: renew it now, and
    // leave the delivery to whoever holds it if it ran out meanwhile.
    const now = this.#clock();
    const renewed = await store.renewDeliveryLease(
      delivery.id,
      this.#owner,
      now,
      new Date(now.getTime() + leaseFor(timeoutMs)),
    );
    if (!renewed) return;
    const startedAt = this.#clock();
    const started = performance.now();
    let body = delivery.payload ?? '';
    let result: { status: number | null; error: string | null };
    let retry = true;
    try {
      // The body is fixed, and kept, before the first send, so every retry sends the same bytes under the same
      // id, even one by another process after this one died mid-send (the body carries signed URLs that a
      // second rendering would sign anew).
      if (delivery.payload === null) {
        const kept = await store.keepDeliveryPayload(
          delivery.id,
          this.#owner,
          this.#clock(),
          JSON.stringify(this.#options.renderTask(delivery.task)),
        );
        if (kept === null) return;
        body = kept;
      }
      const key = await store.getKey(delivery.keyId);
      if (key) {
        // During a rotation the old secret signs too, until its overlap ends.
        const previous = key.previousWebhookSecret;
        const secret =
          previous && previous.until > startedAt ? [key.webhookSecret, previous.secret] : key.webhookSecret;
        const headers = delivery.task.request.vidu
          ? this.#viduHeaders(delivery, startedAt)
          : webhookHeaders({ secret, id: delivery.id, timestamp: startedAt, body });
        result = await postWebhook(delivery.url, headers, body, { allowList: this.#allowList, timeoutMs });
      } else {
        result = { status: null, error: 'the API key that owns the task no longer exists' };
        retry = false;
      }
    } catch (error) {
      // Counted like any failed attempt, so a delivery that cannot be built still runs out of retries.
      result = { status: null, error: `the callback could not be sent: ${String(error)}` };
    }
    const attempt = delivery.attempts + 1;
    const delivered = result.error === null;
    const delays = this.#options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    await store.recordDeliveryAttempt(delivery.id, this.#owner, {
      attempt: {
        deliveryId: delivery.id,
        attempt,
        startedAt,
        durationMs: Math.round(performance.now() - started),
        httpStatus: result.status,
        error: result.error,
      },
      payload: body,
      delivered,
      nextAttemptAt: delivered || !retry ? null : nextAttemptAt(attempt, this.#clock(), delays),
    });
  }

  // Tasks made through /ent/v2 are signed Vidu's way, keyed by the API key that created them.
  #viduHeaders(delivery: WebhookDelivery, at: Date): Record<string, string> {
    const secret = this.#options.callbackKeySecret;
    if (!delivery.signingKey || !secret) throw new Error('the signing key of this Vidu task is not kept');
    const apiKey = openSigningKey(delivery.signingKey, secret, delivery.taskId);
    return { ...viduCallbackHeaders({ apiKey, url: delivery.url, date: at }), 'webhook-id': delivery.id };
  }
}

/** A lease long enough for one attempt and its bookkeeping; past it, another dispatcher may take the delivery. */
function leaseFor(timeoutMs: number): number {
  return timeoutMs * 2 + 5_000;
}

/** How many claimed deliveries one slot may have waiting behind it in memory. */
const CLAIMED_PER_SLOT = 4;

/** Who receives a callback, for the per-receiver limit: the URL's origin (an unparsable URL is its own). */
function receiverOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
