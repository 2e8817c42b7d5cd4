import { parseAllowList, type AllowList } from '../../media/index.js';
import type { BlobStorage } from '../../storage/index.js';
import {
  isOpenAttempt,
  type AbandonedUpstreamAttempt,
  type TaskStore,
  type UpstreamAttempt,
  type UpstreamInfo,
} from '../../store/index.js';
import {
  BackendUnavailableError,
  cancelledByClient,
  TaskRenderError,
  type Backend,
  type RenderJob,
  type RenderResult,
} from '../backend.js';
import { cancelUpstream, claimCancel, type CancelOutcome } from './cancel-upstream.js';
import { copyOutputs } from './copy-outputs.js';
import { ProviderHttpError } from './provider-http.js';
import { pause } from './pause.js';
import { costOf, withCost } from './upstream-cost.js';
import type { UpstreamProvider, UpstreamStatus, UpstreamSubmission } from './upstream-provider.js';

/** Options of {@link UpstreamBackend}. */
export interface UpstreamBackendOptions {
  readonly provider: UpstreamProvider;
  readonly store: Pick<
    TaskStore,
    'recordUpstreamAttempt' | 'updateUpstreamAttempt' | 'listUpstreamAttempts' | 'claimUpstreamCancel'
  >;
  readonly storage: BlobStorage;
  /** Between two polls of a running upstream task. */
  readonly pollIntervalMs: number;
  /** From the submission: how long an upstream task may take before inbetween gives up on it. */
  readonly timeoutMs: number;
  /** Largest output file copied in. */
  readonly maxOutputBytes: number;
  /** Time limit of one output download. */
  readonly downloadTimeoutMs: number;
  /** Tries at copying the outputs, each with fresh URLs from the provider. */
  readonly copyAttempts?: number;
  /** Addresses output downloads may reach although private (INBETWEEN_ALLOW_PRIVATE_HOSTS). */
  readonly allowPrivateHosts?: readonly string[];
  readonly clock?: () => Date;
}

/**
 * How long a process's claim on an upstream cancel holds before another may take it over (its claimer died):
 * far longer than the lookup (60 s at most) and the cancel (30 s) it covers.
 */
export const DEFAULT_CANCEL_CLAIM_TTL_MS = 10 * 60_000;

/** Why an abandoned attempt's task no longer wants it, as the attempt's reason says. */
const ENDED: Readonly<Record<string, string>> = {
  cancelled: 'cancelled by the client while no worker held the task',
  failed: 'the task failed while no worker held it',
  completed: 'the task completed elsewhere',
  gone: 'the task was deleted',
};

// Reasons a provider gives for refusing that are about inbetween's account, not the task: try elsewhere.
const ACCOUNT_REASONS = new Set([
  'CreditInsufficient',
  'QuotaExceeded',
  'TooManyRequests',
  'SystemThrottling',
]);

/**
 * A provider as a backend, with the rule that one task makes at most one paid upstream task: the attempt is
 * recorded before the request goes out and its upstream id the moment it is known; a submission whose answer
 * was lost is looked up in the provider's task list (by the tag in its payload) before anything is sent again.
 * Once accepted, the provider owns the task until it ends: network trouble is waited out, never failed over.
 */
export class UpstreamBackend implements Backend {
  readonly name: string;
  readonly #options: UpstreamBackendOptions;
  readonly #provider: UpstreamProvider;
  readonly #allowList: AllowList;

  constructor(options: UpstreamBackendOptions) {
    this.#options = options;
    this.#provider = options.provider;
    // Parsed now, so an entry that is not an address stops the start rather than the first copy.
    this.#allowList = parseAllowList(options.allowPrivateHosts);
    this.name = options.provider.name;
  }

  /** Whether the provider has a model for this model id. */
  serves(model: string): boolean {
    try {
      this.#provider.upstreamModel(model);
      return true;
    } catch {
      return false;
    }
  }

  async render(job: RenderJob): Promise<RenderResult> {
    const { task } = job;
    const submission: UpstreamSubmission = {
      task,
      images: job.images,
      watermark: job.watermark,
      tag: '',
    };
    const attempts = await this.#options.store.listUpstreamAttempts(task.id);
    let attempt = attempts.filter((a) => a.provider === this.name && isOpenAttempt(a.state)).at(-1) ?? null;
    let upstreamId: string | null;
    if (attempt === null) {
      try {
        this.#provider.check(submission);
      } catch (error) {
        throw new BackendUnavailableError(
          this.name,
          `${this.name} cannot take this task: ${(error as Error).message}`,
          null,
          true,
        );
      }
      attempt = await this.#options.store.recordUpstreamAttempt({
        taskId: task.id,
        keyId: task.keyId,
        provider: this.name,
        model: this.#provider.upstreamModel(task.model),
        now: this.#now(),
      });
      upstreamId = await this.#submit(attempt, { ...submission, tag: attempt.tag }, job.signal);
    } else {
      upstreamId = attempt.upstreamTaskId ?? (await this.#settleInDoubt(attempt, job.signal));
    }
    const info: UpstreamInfo = { provider: this.name, task_id: upstreamId, model: attempt.model };
    await job.onBackend(this.name, info);
    return this.#follow(job, attempt, info);
  }

  /** Sends a new submission; the upstream id, or the reason it was not taken (nothing paid). */
  async #submit(
    attempt: UpstreamAttempt,
    submission: UpstreamSubmission,
    signal: AbortSignal,
  ): Promise<string> {
    try {
      const made = await this.#provider.submit(submission, signal);
      await this.#accepted(attempt, made.id, made.credits);
      return made.id;
    } catch (error) {
      if (!(error instanceof ProviderHttpError)) throw error;
      if (definitelyRefused(error)) {
        await this.#update(attempt, { state: 'rejected', reason: error.message });
        if (
          error.retryable ||
          error.status === 401 ||
          error.status === 403 ||
          ACCOUNT_REASONS.has(error.reason ?? '')
        ) {
          throw new BackendUnavailableError(this.name, error.message, error.retryAfterMs, false, {
            cause: error,
          });
        }
        throw new TaskRenderError(`${this.name} refused the task: ${error.message}`, { cause: error });
      }
      // Sent, but no clear answer: the provider may have made the task. Ask before trying anywhere else.
      const found = await this.#lookup(attempt, signal).catch((lookupError: unknown) => {
        if (signal.aborted) throw lookupError;
        return undefined;
      });
      if (found) {
        await this.#accepted(attempt, found);
        return found;
      }
      if (found === null) {
        await this.#update(attempt, { state: 'rejected', reason: error.message });
        throw new BackendUnavailableError(this.name, error.message, error.retryAfterMs, false, {
          cause: error,
        });
      }
      return this.#settleInDoubt(attempt, signal);
    }
  }

  /**
   * A submission in doubt (a crash or a lost answer between sending it and storing its id): the provider's task
   * list decides. Found, it is this task's; not there, the attempt is closed as not taken and the router may
   * submit again. While the provider cannot be asked, wait: sending again could pay twice.
   */
  async #settleInDoubt(attempt: UpstreamAttempt, signal: AbortSignal): Promise<string> {
    for (let wait = this.#options.pollIntervalMs; ; wait = Math.min(wait * 2, 60_000)) {
      this.#checkDeadline(attempt);
      try {
        const found = await this.#lookup(attempt, signal);
        if (found) {
          await this.#accepted(attempt, found);
          return found;
        }
        await this.#update(attempt, { state: 'rejected', reason: 'not found in the provider task list' });
        throw new BackendUnavailableError(
          this.name,
          `${this.name} never received the submission`,
          null,
          true,
        );
      } catch (error) {
        if (!(error instanceof ProviderHttpError)) throw error;
      }
      await pause(wait, signal);
    }
  }

  #lookup(attempt: UpstreamAttempt, signal: AbortSignal): Promise<string | null> {
    return this.#provider.findByTag(attempt.tag, attempt.createdAt, signal);
  }

  /** Polls until the upstream task ends, then copies its outputs in; cancels upstream on a client's cancel. */
  async #follow(job: RenderJob, attempt: UpstreamAttempt, info: UpstreamInfo): Promise<RenderResult> {
    let last: UpstreamStatus | null = null;
    try {
      for (let wait = this.#options.pollIntervalMs; ;) {
        this.#checkDeadline(attempt);
        try {
          last = await this.#provider.status(info.task_id, job.signal);
          wait = this.#options.pollIntervalMs;
        } catch (error) {
          if (!(error instanceof ProviderHttpError)) throw error;
          wait = Math.max(error.retryAfterMs ?? 0, Math.min(wait * 2, 60_000));
        }
        if (last?.progress !== undefined) job.onProgress(Math.min(0.9, last.progress * 0.9));
        if (last && last.state !== 'queued' && last.state !== 'running') break;
        await pause(wait, job.signal);
      }
      const status = last;
      const cost = costOf(status);
      if (status.state !== 'succeeded') {
        await this.#update(attempt, {
          state: status.state === 'cancelled' ? 'cancelled' : 'failed',
          reason: status.reason ?? 'no reason given',
          ...cost,
        });
        await job.onBackend(this.name, withCost(info, status));
        throw new TaskRenderError(status.reason ?? `${this.name} reported the task ${status.state}`);
      }
      await job.onBackend(this.name, withCost(info, status));
      const copied = await copyOutputs({
        ...this.#options,
        allowList: this.#allowList,
        first: status,
        refresh: () => this.#provider.status(info.task_id, job.signal),
        keys: job.outputKeys,
        signal: job.signal,
      });
      job.onProgress(1);
      await this.#update(attempt, { state: 'succeeded', ...cost });
      return {
        backend: this.name,
        upstream: withCost(info, status),
        videoKey: copied.videoKey,
        coverKey: copied.coverKey,
        duration: status.duration ?? job.task.durationSeconds,
      };
    } catch (error) {
      // A client's cancel, or a task given up on: the provider stops too, so it charges no more than it must.
      if (cancelledByClient(job.signal) || error instanceof UpstreamDeadlineError) {
        await this.#cancelUpstream(attempt, info, last, error instanceof UpstreamDeadlineError);
      } else if (error instanceof TaskRenderError && last?.state === 'succeeded') {
        await this.#update(attempt, { state: 'failed', reason: error.message, ...costOf(last) });
      }
      throw error;
    }
  }

  /**
   * The client cancelled (or the task took too long): so does the provider, if it still can; what it charged
   * anyway is recorded. Only one process asks: a sweep may have found the task ended first.
   */
  async #cancelUpstream(
    attempt: UpstreamAttempt,
    info: UpstreamInfo,
    last: UpstreamStatus | null,
    timedOut: boolean,
  ): Promise<void> {
    await cancelUpstream({
      provider: this.#provider,
      store: this.#options.store,
      attempt,
      upstreamId: info.task_id,
      last,
      why: timedOut ? 'no result in time' : 'cancelled by the client',
      state: timedOut ? 'failed' : 'cancelled',
      claimTtlMs: DEFAULT_CANCEL_CLAIM_TTL_MS,
      now: () => this.#now(),
    });
  }

  /**
   * Settles an attempt nobody follows any more (its task ended while no worker held it, see
   * {@link TaskStore.listAbandonedUpstreamAttempts}): claims it, looks a submission in doubt up in the
   * provider's task list, and cancels the upstream task, recording what it charged. `not_submitted`: the
   * submission never arrived (closed as rejected, nothing paid).
   */
  async cancelAbandoned(abandoned: AbandonedUpstreamAttempt): Promise<CancelOutcome | 'not_submitted'> {
    const { attempt } = abandoned;
    if (!(await claimCancel(this.#options.store, attempt, DEFAULT_CANCEL_CLAIM_TTL_MS, this.#now()))) {
      return 'claimed_elsewhere';
    }
    let upstreamId = attempt.upstreamTaskId;
    if (upstreamId === null) {
      // Unanswered, the claim stays: once stale, a later sweep asks again. Sending anything now could pay twice.
      const found = await this.#lookup(attempt, AbortSignal.timeout(60_000)).catch(() => undefined);
      if (found === undefined) return 'unreachable';
      if (found === null) {
        await this.#update(attempt, { state: 'rejected', reason: 'not found in the provider task list' });
        return 'not_submitted';
      }
      await this.#accepted(attempt, found);
      upstreamId = found;
    }
    return cancelUpstream({
      provider: this.#provider,
      store: this.#options.store,
      attempt,
      upstreamId,
      last: null,
      why: ENDED[abandoned.taskStatus ?? 'gone'] ?? `the task is ${abandoned.taskStatus}`,
      state: 'cancelled',
      claimTtlMs: DEFAULT_CANCEL_CLAIM_TTL_MS,
      now: () => this.#now(),
      claimed: true,
    });
  }

  #checkDeadline(attempt: UpstreamAttempt): void {
    if (this.#now().getTime() - attempt.createdAt.getTime() > this.#options.timeoutMs) {
      throw new UpstreamDeadlineError(
        `${this.name} gave no result within ${Math.round(this.#options.timeoutMs / 1000)} s`,
      );
    }
  }

  async #accepted(attempt: UpstreamAttempt, id: string, credits?: number): Promise<void> {
    await this.#update(attempt, {
      state: 'accepted',
      upstreamTaskId: id,
      ...(credits !== undefined ? { credits } : {}),
    });
  }

  #update(
    attempt: UpstreamAttempt,
    change: Parameters<UpstreamBackendOptions['store']['updateUpstreamAttempt']>[2],
  ): Promise<void> {
    return this.#options.store.updateUpstreamAttempt(attempt.taskId, attempt.attempt, change, this.#now());
  }

  #now(): Date {
    return this.#options.clock?.() ?? new Date();
  }
}

/** The upstream task took longer than INBETWEEN_UPSTREAM_TIMEOUT: the task fails and is cancelled upstream. */
class UpstreamDeadlineError extends TaskRenderError {}

/** A provider's own error answer (or no connection at all) means it did not take the task. */
function definitelyRefused(error: ProviderHttpError): boolean {
  if (error.failure === 'refused') return true;
  if (error.failure === 'in_doubt') return false;
  // A 5xx without the provider's own error body came from something in front of it, which may have passed it on.
  return (error.status ?? 0) < 500 || error.reason !== null;
}
