import type { TaskStore } from '../store/index.js';
import { isOpenAttempt } from '../store/index.js';
import { cancelAbandonedAttempts, type AbandonedSweepResult } from './abandoned-attempts.js';
import {
  BackendUnavailableError,
  TaskRenderError,
  type Backend,
  type RenderJob,
  type RenderResult,
} from './backend.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { Routes } from './routes.js';
import type { SlotLimiter } from './slot-limiter.js';
import { DEFAULT_CANCEL_CLAIM_TTL_MS, UpstreamBackend } from './upstream/upstream-backend.js';

/** One backend as the router holds it: the renderer, its concurrency limit and, upstream, its breaker. */
export interface RoutedBackend {
  readonly backend: Backend;
  readonly slots: SlotLimiter;
  readonly breaker: CircuitBreaker | null;
}

/** Options of {@link BackendRouter}. */
export interface BackendRouterOptions {
  readonly routes: Routes;
  readonly backends: ReadonlyMap<string, RoutedBackend>;
  readonly store: Pick<TaskStore, 'listUpstreamAttempts' | 'listAbandonedUpstreamAttempts'>;
  /** How long a provider that failed without a Retry-After is left alone, so a queue does not hammer it. */
  readonly failureHoldMs?: number;
  /**
   * How long after it was written a submission in doubt may still be answered to a live worker, so the sweep
   * of abandoned attempts leaves it; default 60 s.
   */
  readonly submissionGraceMs?: number;
  readonly clock?: () => number;
}

/** No backend of the route could take the task now (all busy, open-circuited or refusing). */
export class NoBackendAvailableError extends Error {
  constructor(
    readonly model: string,
    readonly tried: readonly string[],
  ) {
    super(`no backend could take the task (${tried.join('; ')})`);
    this.name = 'NoBackendAvailableError';
  }
}

/**
 * Sends each task to the first backend of its model's route that has a free slot, a closed (or half-open)
 * circuit and takes it; a provider that refuses before accepting is skipped for the next. A task that a
 * provider already owns (an attempt accepted or in doubt) goes back to that provider whatever the route says.
 */
export class BackendRouter {
  readonly #options: BackendRouterOptions;

  constructor(options: BackendRouterOptions) {
    this.#options = options;
  }

  /** Total renders the backends may run at once: what a worker needs in loops. */
  capacity(): number {
    let total = 0;
    for (const routed of this.#options.backends.values()) total += routed.slots.limit;
    return total;
  }

  /** The models a task could start on right now: some backend of the route has a slot and a closed circuit. */
  claimableModels(): string[] {
    const now = this.#now();
    return [...this.#options.routes]
      .filter(([, names]) => names.some((name) => this.#available(name, now)))
      .map(([model]) => model);
  }

  /**
   * Cancels upstream what tasks that ended with no worker on them left running there (see
   * {@link cancelAbandonedAttempts}); every process with providers sweeps, and each attempt is asked about once.
   */
  cancelAbandoned(onError?: (error: unknown) => void): Promise<AbandonedSweepResult> {
    const upstream = new Map<string, UpstreamBackend>();
    for (const [name, routed] of this.#options.backends) {
      if (routed.backend instanceof UpstreamBackend) upstream.set(name, routed.backend);
    }
    return cancelAbandonedAttempts({
      store: this.#options.store,
      backends: upstream,
      submissionGraceMs: this.#options.submissionGraceMs ?? 60_000,
      claimTtlMs: DEFAULT_CANCEL_CLAIM_TTL_MS,
      now: new Date(this.#now()),
      ...(onError ? { onError } : {}),
    });
  }

  /** Whether any backend is an upstream provider (and so the sweep of abandoned attempts has work). */
  hasUpstream(): boolean {
    return [...this.#options.backends.values()].some((routed) => routed.backend instanceof UpstreamBackend);
  }

  async render(job: RenderJob): Promise<RenderResult> {
    const { task } = job;
    const attempts = await this.#options.store.listUpstreamAttempts(task.id);
    const owner = attempts.filter((attempt) => isOpenAttempt(attempt.state)).at(-1);
    if (owner) {
      const routed = this.#options.backends.get(owner.provider);
      if (!routed) {
        throw new TaskRenderError(`the task is with ${owner.provider}, which is no longer configured`);
      }
      // The owner's slot is taken even past its limit: this task is running there already.
      if (!routed.slots.tryAcquire()) routed.slots.force();
      try {
        return await routed.backend.render(job);
      } catch (error) {
        if (!(error instanceof BackendUnavailableError)) throw error;
      } finally {
        routed.slots.release();
      }
    }
    return this.#route(job);
  }

  async #route(job: RenderJob): Promise<RenderResult> {
    const names = this.#options.routes.get(job.task.model) ?? ['local'];
    const tried: string[] = [];
    for (const name of names) {
      const routed = this.#options.backends.get(name);
      const now = this.#now();
      if (!routed) continue;
      if (routed.breaker && !routed.breaker.allows(now)) {
        tried.push(`${name}: resting after failures`);
        continue;
      }
      if (!routed.slots.tryAcquire()) {
        tried.push(`${name}: at its concurrency limit`);
        continue;
      }
      routed.breaker?.begin(now);
      try {
        if (name === 'local') await job.onBackend('local', null);
        const result = await routed.backend.render(job);
        routed.breaker?.succeeded();
        return result;
      } catch (error) {
        if (error instanceof BackendUnavailableError) {
          if (error.notTheProvidersFault) routed.breaker?.released();
          else routed.breaker?.failed(this.#now(), error.retryAfterMs ?? this.#options.failureHoldMs ?? 1000);
          tried.push(`${name}: ${error.message}`);
          continue;
        }
        // The provider answered about the task itself: it is healthy, the input is the problem.
        if (error instanceof TaskRenderError) routed.breaker?.succeeded();
        else routed.breaker?.released();
        throw error;
      } finally {
        routed.slots.release();
      }
    }
    throw new NoBackendAvailableError(job.task.model, tried);
  }

  #available(name: string, now: number): boolean {
    const routed = this.#options.backends.get(name);
    return routed !== undefined && routed.slots.free() && (routed.breaker?.allows(now) ?? true);
  }

  #now(): number {
    return this.#options.clock?.() ?? Date.now();
  }
}
