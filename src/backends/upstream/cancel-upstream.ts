import type { TaskStore, UpstreamAttempt } from '../../store/index.js';
import { ProviderHttpError } from './provider-http.js';
import { costOf } from './upstream-cost.js';
import type { UpstreamProvider, UpstreamStatus } from './upstream-provider.js';

/** What asking a provider to cancel came to. */
export type CancelOutcome =
  /** The provider stopped the task. */
  | 'cancelled'
  /** It could not any more: it charges the task as it does a finished one. */
  | 'too_late'
  /** Another process (or another path of this one) holds the cancel of this attempt. */
  | 'claimed_elsewhere'
  /** The provider could not be asked; the attempt stays open and claimed until a later sweep asks again. */
  | 'unreachable';

type CancelStore = Pick<TaskStore, 'claimUpstreamCancel' | 'updateUpstreamAttempt'>;

/** Options of {@link cancelUpstream}. */
export interface CancelUpstreamOptions {
  readonly provider: UpstreamProvider;
  readonly store: CancelStore;
  readonly attempt: UpstreamAttempt;
  /** The provider's task id, known or just found in its task list. */
  readonly upstreamId: string;
  /** The status last seen, for what it charged when the provider cannot be asked again. */
  readonly last: UpstreamStatus | null;
  /** Why, as the attempt's reason: `cancelled by the client`, `no result in time`. */
  readonly why: string;
  /** The attempt's state once the provider answered. */
  readonly state: 'cancelled' | 'failed';
  /** How long a claim holds before another process may take it over (its claimer died). */
  readonly claimTtlMs: number;
  readonly now: () => Date;
  /** The caller holds the claim already (it claimed before looking the submission up). */
  readonly claimed?: boolean;
}

/**
 * Claims the cancel of `attempt` for this process: true for one caller across every process of the deployment,
 * so a provider is never asked twice to cancel the same task (a worker that saw the cancel and a sweep that
 * found the task ended race for it).
 */
export function claimCancel(
  store: CancelStore,
  attempt: UpstreamAttempt,
  claimTtlMs: number,
  now: Date,
): Promise<boolean> {
  return store.claimUpstreamCancel(
    attempt.taskId,
    attempt.attempt,
    now,
    new Date(now.getTime() - claimTtlMs),
  );
}

/**
 * Cancels an attempt's upstream task, once: whoever wins the claim asks the provider, then records its answer and
 * what it charged on the attempt. A provider that cannot cancel any more still charges; the customer's refund is
 * the cancel's business, not this one's. A provider that cannot be reached leaves the attempt open and claimed,
 * so the sweep of abandoned attempts asks again once the claim is stale.
 */
export async function cancelUpstream(options: CancelUpstreamOptions): Promise<CancelOutcome> {
  const { provider, store, attempt } = options;
  if (!options.claimed && !(await claimCancel(store, attempt, options.claimTtlMs, options.now()))) {
    return 'claimed_elsewhere';
  }
  const signal = AbortSignal.timeout(30_000);
  let cancelled: boolean;
  let refusal = '';
  try {
    cancelled = await provider.cancel(options.upstreamId, signal);
  } catch (error) {
    if (!(error instanceof ProviderHttpError) || error.retryable) return 'unreachable';
    // An answer that is not a cancel (the provider does not know the task any more): nothing left to stop.
    cancelled = false;
    refusal = ` (${error.message})`;
  }
  const now = await provider.status(options.upstreamId, signal).catch(() => options.last);
  await store.updateUpstreamAttempt(
    attempt.taskId,
    attempt.attempt,
    {
      state: options.state,
      reason: cancelled
        ? options.why
        : `${options.why}; ${provider.name} could not cancel it${refusal} and charges it`,
      ...(now ? costOf(now) : {}),
    },
    options.now(),
  );
  return cancelled ? 'cancelled' : 'too_late';
}
