import { randomBytes } from 'node:crypto';
import { parseAllowList, type AllowList } from '../../media/index.js';
import type { StoredTask, TaskStore, WebhookDelivery } from '../../store/index.js';
import { postWebhook } from './post-webhook.js';
import { DEFAULT_RETRY_DELAYS_MS, nextAttemptAt } from './retry-schedule.js';
import { openSigningKey } from './seal-signing-key.js';
import { viduCallbackHeaders } from './sign-vidu-callback.js';
import { webhookHeaders } from './sign-webhook.js';

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
  /** Deliveries in flight at once; default 8. */
  readonly concurrency?: number;
  readonly clock?: () => Date;
  /** The deployment secret that opens the sealed API keys of tasks made through Vidu's dialect. */
  readonly callbackKeySecret?: string;
  /** Store errors (the loop goes on); default logs to stderr. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Sends the callbacks the store's outbox holds. Deliveries are leased, so several dispatchers (one per
 * process) never send the same attempt twice, and one that dies mid-send leaves its lease to run out and the
 * delivery to be tried again. Every attempt is logged; failures are retried on the schedule, then given up.
 * One task's callbacks due together are sent in the order of its changes. Receivers must still accept a
 * callback more than once (`webhook-id` tells them it is the same one) and out of order after a retry (the
 * task's status tells which is newer: a final status is never followed by another).
 */
export class WebhookDispatcher {
  readonly #options: WebhookDispatcherOptions;
  readonly #owner = `dispatcher_${randomBytes(6).toString('base64url')}`;
  readonly #allowList: AllowList;
  readonly #clock: () => Date;
  #running: Promise<void> | null = null;
  #stopping = false;
  #wake: (() => void) | null = null;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#allowList = parseAllowList(options.allowPrivateHosts);
    this.#clock = options.clock ?? (() => new Date());
  }

  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#loop();
  }

  /** Checks the outbox now instead of at the next poll (a task just changed). */
  wake(): void {
    this.#wake?.();
  }

  /** Finishes the attempts in flight and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.wake();
    await this.#running;
    this.#running = null;
  }

  /** Sends every delivery due now (up to the concurrency) once; returns how many were attempted. */
  async runOnce(): Promise<number> {
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    const due = await this.#options.store.claimDueDeliveries({
      owner: this.#owner,
      now: this.#clock(),
      leaseMs: leaseFor(timeoutMs),
      limit: this.#options.concurrency ?? 8,
    });
    // One task's callbacks go out one after another, in the order of its changes; different tasks in parallel.
    const byTask = new Map<string, WebhookDelivery[]>();
    for (const delivery of due)
      byTask.set(delivery.taskId, [...(byTask.get(delivery.taskId) ?? []), delivery]);
    await Promise.all(
      [...byTask.values()].map(async (deliveries) => {
        for (const delivery of deliveries) await this.#attempt(delivery, timeoutMs);
      }),
    );
    return due.length;
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
      // The body is fixed at the first attempt, so every retry sends the same bytes under the same id.
      body = delivery.payload ?? JSON.stringify(this.#options.renderTask(delivery.task));
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

  async #loop(): Promise<void> {
    const pollMs = this.#options.pollMs ?? 1_000;
    while (!this.#stopping) {
      let attempted = 0;
      try {
        attempted = await this.runOnce();
      } catch (error) {
        (this.#options.onError ?? defaultOnError)(error);
      }
      // A full batch means more may be waiting: go on at once.
      if (attempted > 0 || this.#stopping) continue;
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
}

/** A lease long enough for one attempt and its bookkeeping; past it, another dispatcher may take the delivery. */
function leaseFor(timeoutMs: number): number {
  return timeoutMs * 2 + 5_000;
}

function defaultOnError(error: unknown): void {
  console.error('webhook dispatcher:', error);
}
