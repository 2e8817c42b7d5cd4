import type { PgBossQueue, RenderJob } from '../queue/pg-boss-queue.js';
import { OFF_PEAK_QUEUE, RENDER_QUEUE } from '../queue/pg-boss-queue.js';
import type { TaskSignals } from '../queue/task-signals.js';
import type { StoredTask, TaskStore } from '../store/index.js';
import { inOffPeakWindow, type OffPeakWindow } from '../tasks/off-peak-window.js';
import type { LocalWorker } from './local-worker.js';

/** Options of {@link QueueConsumer}. */
export interface QueueConsumerOptions {
  readonly store: TaskStore;
  readonly queue: PgBossQueue;
  /** Renders what this consumer claims (its owner id holds the leases); never started itself. */
  readonly worker: LocalWorker;
  readonly signals: TaskSignals;
  /** Renders at once. */
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  /** How often an idle slot fetches when no signal woke it (a lost NOTIFY, a job retried by pg-boss). */
  readonly pollMs?: number;
  readonly offPeakWindow?: OffPeakWindow | null;
  readonly clock?: () => Date;
  readonly onError?: (error: unknown, task?: StoredTask) => void;
}

/**
 * A worker process's dispatch on pg-boss: each free render slot fetches a job, claims the job's task by id, marks
 * the job done and renders. A job whose task is no longer pending (cancelled, claimed through another job,
 * finished) is dropped. Slots fetch only when free, rather than pg-boss `work()` holding a job through a render:
 * the job would have to outlive the longest render, and a worker dying between fetch and claim would strand its
 * task for that long. Expired leases go back to pending here as in the embedded worker, and the store sends their
 * new job in that same transaction, so attempts keep their meaning.
 */
export class QueueConsumer {
  readonly #options: QueueConsumerOptions;
  readonly #loops: Promise<void>[] = [];
  readonly #idle = new Set<() => void>();
  #running = 0;
  #stopping = false;
  #unsubscribe: (() => void) | null = null;
  #requeueTimer: NodeJS.Timeout | undefined;

  constructor(options: QueueConsumerOptions) {
    this.#options = options;
  }

  /** Tasks claimed and not yet finished. */
  get running(): number {
    return this.#running;
  }

  start(): void {
    const { signals, worker } = this.#options;
    this.#unsubscribe = signals.subscribe((signal) => {
      if (signal.kind === 'cancelled') worker.cancel(signal.taskId);
      else if (signal.kind === 'queued') this.#wakeAll();
    });
    this.#requeueTimer = setInterval(() => void this.#requeue(), Math.max(250, this.#options.leaseMs / 3));
    this.#requeueTimer.unref();
    for (let i = 0; i < this.#options.concurrency; i++) this.#loops.push(this.#loop());
  }

  /** Stops fetching, aborts renders in flight (their leases expire and they are retried) and waits for them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#requeueTimer);
    this.#unsubscribe?.();
    this.#wakeAll();
    await this.#options.worker.stop();
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      try {
        const job = await this.#nextJob();
        if (job) await this.#handle(job);
        else await this.#sleep();
      } catch (error) {
        this.#options.onError?.(error);
        await this.#sleep();
      }
    }
  }

  /** A normal job first; an off-peak one only when this worker renders nothing or the window is open. */
  async #nextJob(): Promise<RenderJob | null> {
    const { queue } = this.#options;
    const job = await queue.fetch(RENDER_QUEUE);
    if (job || this.#stopping) return job;
    const window = this.#options.offPeakWindow;
    const inWindow = window ? inOffPeakWindow(window, this.#now()) : false;
    return this.#running === 0 || inWindow ? queue.fetch(OFF_PEAK_QUEUE) : null;
  }

  async #handle(job: RenderJob): Promise<void> {
    const { store, queue, worker } = this.#options;
    this.#running += 1;
    try {
      const task = job.taskId
        ? await store.claimTask(job.taskId, {
            owner: worker.owner,
            leaseMs: this.#options.leaseMs,
            now: this.#now(),
          })
        : null;
      // Done either way: claimed (the lease takes over), or not pending any more (dropped). A crash before this
      // line leaves the job active; pg-boss expires and retries it, and the claim decides again.
      await queue.complete(job);
      if (task) await worker.runClaimed(task);
    } finally {
      this.#running -= 1;
    }
  }

  async #requeue(): Promise<void> {
    try {
      const { requeued } = await this.#options.store.requeueExpiredLeases({
        now: this.#now(),
        maxAttempts: this.#options.maxAttempts,
      });
      if (requeued.length > 0) this.#wakeAll();
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #sleep(): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#idle.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.#options.pollMs ?? 2000);
      this.#idle.add(done);
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#idle]) wake();
  }

  #now(): Date {
    return this.#options.clock?.() ?? new Date();
  }
}
