import { randomBytes } from 'node:crypto';
import { RenderStopped, type StopKind } from '../backends/backend.js';
import { NoBackendAvailableError, type BackendRouter } from '../backends/backend-router.js';
import { runOutputKeys, type BlobStorage } from '../storage/index.js';
import type { StoredTask, TaskStore } from '../store/index.js';
import { inOffPeakWindow, type OffPeakWindow } from '../tasks/off-peak-window.js';
import type { RenderMetrics } from './render-metrics.js';
import { failureMessage, readInputs } from './task-inputs.js';

export interface LocalWorkerOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** Chooses the backend of each task (the local engine, a provider) and runs it. */
  readonly router: BackendRouter;
  /** Tasks run at once; default what the backends can take together (local renders plus provider limits). */
  readonly concurrency?: number;
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  /** How often an idle worker looks for work it was not woken for (tasks from other processes, requeues). */
  readonly pollMs?: number;
  /** How long `stop` lets running tasks finish before it hands them back to the queue; default 0. */
  readonly stopGraceMs?: number;
  /** How long a task may wait for a free backend before it fails; default 2 h. */
  readonly backendWaitMs?: number;
  readonly clock?: () => Date;
  /** When off-peak tasks may run beside other work; outside it (or without one) only when this worker is idle. */
  readonly offPeakWindow?: OffPeakWindow | null;
  /** Render durations and failures, for /metrics. */
  readonly metrics?: RenderMetrics;
  /** Told of every failure that is not the task's own, for the logs. */
  readonly onError?: (error: unknown, task?: StoredTask) => void;
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * Runs queued tasks: claims a task with a lease (only of models whose backends have room), has the router render
 * it while a heartbeat keeps the lease and reports progress, and completes or fails the task. Each run writes its
 * outputs under keys of its own, so a run that lost its lease deletes only what it wrote. A cancelled task's
 * heartbeat finds the lease gone and aborts the render (and the upstream task); a stopping worker gives running
 * tasks a grace period, then hands them back to the queue without counting an attempt.
 */
export class LocalWorker {
  readonly owner = `worker_${randomBytes(6).toString('hex')}`;
  readonly #options: LocalWorkerOptions;
  readonly #running = new Map<string, Running>();
  readonly #loops: Promise<void>[] = [];
  #stopping = false;
  readonly #wakers = new Set<() => void>();

  constructor(options: LocalWorkerOptions) {
    this.#options = options;
  }

  start(): void {
    const loops = this.#options.concurrency ?? this.#options.router.capacity();
    for (let i = 0; i < loops; i++) this.#loops.push(this.#loop());
  }

  /** New work is queued, or a backend freed a slot: idle loops look now instead of at their next poll. */
  wake(): void {
    for (const wake of [...this.#wakers]) wake();
  }

  /** Stops the render of a task that was cancelled through the API (and cancels it upstream). */
  cancel(taskId: string): void {
    this.#running.get(taskId)?.controller.abort(new RenderStopped('cancelled'));
  }

  /**
   * Stops taking work; running tasks get `graceMs` to finish, then they are aborted and handed back to the queue
   * (their claim not counted), so a deploy never costs a task one of its attempts.
   */
  async stop(graceMs = this.#options.stopGraceMs ?? 0): Promise<void> {
    this.#stopping = true;
    this.wake();
    const running = [...this.#running.values()];
    if (running.length > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.map((run) => run.done)),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    const left = [...this.#running.values()];
    for (const run of left) run.controller.abort(new RenderStopped('stopping'));
    // Runs started by a queue consumer through runClaimed are waited for too, not only this worker's loops.
    await Promise.all([...this.#loops, ...left.map((run) => run.done)]);
  }

  async #loop(): Promise<void> {
    const { store, router } = this.#options;
    while (!this.#stopping) {
      try {
        const now = this.#now();
        await store.requeueExpiredLeases({ now, maxAttempts: this.#options.maxAttempts ?? 3 });
        const models = router.claimableModels();
        const task =
          models.length === 0
            ? null
            : await store.claimNextTask({
                owner: this.owner,
                leaseMs: this.#leaseMs(),
                now,
                includeOffPeak: this.#running.size === 0 || this.#inOffPeakWindow(now),
                models,
              });
        if (task && this.#stopping) await store.releaseTask(task.id, this.owner, this.#now());
        else if (task) await this.runClaimed(task);
        else await this.#idle();
      } catch (error) {
        this.#options.onError?.(error);
        await this.#idle();
      }
    }
  }

  /**
   * Runs one task this worker has already claimed (its lease held by {@link owner}) to its end: completed,
   * failed, handed back, or left to whoever took the lease. Never rejects for the task's own failures. The
   * queue consumer of the scaled-out mode calls this for each job it receives.
   */
  async runClaimed(task: StoredTask): Promise<void> {
    const { store, storage } = this.#options;
    const controller = new AbortController();
    let finished!: () => void;
    this.#running.set(task.id, { controller, done: new Promise<void>((resolve) => (finished = resolve)) });
    const outputKeys = runOutputKeys(task.id, task.attempts, randomBytes(4).toString('hex'));
    let heartbeat: NodeJS.Timeout | undefined;
    const started = performance.now();
    let progress = 0;
    try {
      heartbeat = setInterval(() => this.#beat(task, controller, progress), this.#leaseMs() / 3);
      const inputs = await readInputs(storage, task);
      const result = await this.#options.router.render({
        task,
        ...inputs,
        outputKeys,
        signal: controller.signal,
        onProgress: (fraction) => (progress = fraction),
        onBackend: async (backend, upstream) => {
          await store.setTaskBackend(task.id, this.owner, backend, upstream, this.#now());
        },
      });
      this.#options.metrics?.observe((performance.now() - started) / 1000);
      const completed = await store.completeTask(task.id, this.owner, result, this.#now());
      // Cancelled or lease lost while the outputs were being stored: they belong to no task.
      if (!completed.ok) await this.#deleteOutputs(outputKeys, task);
    } catch (error) {
      await this.#deleteOutputs(outputKeys, task);
      await this.#settleFailure(task, controller.signal, error);
    } finally {
      clearInterval(heartbeat);
      this.#running.delete(task.id);
      finished();
      // A slot is free again: a loop waiting for one looks now.
      this.wake();
    }
  }

  async #settleFailure(task: StoredTask, signal: AbortSignal, error: unknown): Promise<void> {
    const { store } = this.#options;
    const stop: StopKind | null = signal.reason instanceof RenderStopped ? signal.reason.kind : null;
    if (stop === 'stopping') {
      await store.releaseTask(task.id, this.owner, this.#now());
      return;
    }
    // Cancelled, or another worker holds it now: either way the task is not ours to change.
    if (stop !== null) return;
    if (error instanceof NoBackendAvailableError) {
      const waited = this.#now().getTime() - task.createdAt.getTime();
      if (waited < (this.#options.backendWaitMs ?? 2 * 3600_000)) {
        // Back to the queue, not counted: it starts once a backend of its route has room again.
        await store.releaseTask(task.id, this.owner, this.#now());
        return;
      }
    }
    this.#options.metrics?.failed();
    await store.failTask(
      task.id,
      this.owner,
      { code: '002014012', message: `Video generation failed: ${failureMessage(error)}` },
      this.#now(),
    );
    this.#options.onError?.(error, task);
  }

  #beat(task: StoredTask, controller: AbortController, progress: number): void {
    const { store } = this.#options;
    store
      .heartbeat(task.id, this.owner, { leaseMs: this.#leaseMs(), now: this.#now(), progress })
      .then(async (held) => {
        if (held || controller.signal.aborted) return;
        // A lease gone because the client cancelled cancels upstream too; one taken by another worker does not.
        const now = await store.getTask(task.id);
        controller.abort(new RenderStopped(now?.status === 'cancelled' ? 'cancelled' : 'lease_lost'));
      })
      .catch((error: unknown) => this.#options.onError?.(error, task));
  }

  async #deleteOutputs(keys: { video: string; cover: string }, task: StoredTask): Promise<void> {
    // Only this run's keys: another run's outputs are never touched.
    const cover = [keys.cover, keys.cover.replace(/\.jpg$/, '.png')];
    await this.#options.storage
      .deleteMany([keys.video, ...cover])
      .catch((error: unknown) => this.#options.onError?.(error, task));
  }

  #inOffPeakWindow(now: Date): boolean {
    const window = this.#options.offPeakWindow;
    return window ? inOffPeakWindow(window, now) : false;
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.#options.pollMs ?? 1000);
      this.#wakers.add(done);
    });
  }

  #leaseMs(): number {
    return this.#options.leaseMs ?? 30_000;
  }

  #now(): Date {
    return this.#options.clock?.() ?? new Date();
  }
}
