import type { TaskStore } from '../store/index.js';
import type { CancelOutcome } from './upstream/cancel-upstream.js';
import type { UpstreamBackend } from './upstream/upstream-backend.js';

/** What one sweep did, per outcome (see {@link CancelOutcome}; `not_submitted`: never arrived upstream). */
export type AbandonedSweepResult = Record<CancelOutcome | 'not_submitted' | 'error', number>;

/** Options of {@link cancelAbandonedAttempts}. */
export interface AbandonedSweepOptions {
  readonly store: Pick<TaskStore, 'listAbandonedUpstreamAttempts'>;
  /** The providers this process can reach, by name. */
  readonly backends: ReadonlyMap<string, Pick<UpstreamBackend, 'cancelAbandoned'>>;
  /** A submission younger than this may still be answered to a live worker: it is left for a later sweep. */
  readonly submissionGraceMs: number;
  /** Claims younger than this are another process's, busy with the cancel. */
  readonly claimTtlMs: number;
  readonly now: Date;
  /** Attempts settled per sweep at most; the rest wait for the next. Default 50. */
  readonly limit?: number;
  /** Told of an attempt that could not be settled for a reason other than the provider (the store). */
  readonly onError?: (error: unknown) => void;
}

/**
 * One pass of the sweep of abandoned upstream attempts: attempts that may still own a paid upstream task although
 * their task ended with no worker on it (cancelled while its worker was dead or it waited to be resumed, failed
 * when its attempts ran out, deleted). Each is claimed (one process asks the provider, whichever processes sweep),
 * looked up when its submission is in doubt, and cancelled upstream; the outcome goes on the attempt. Money is
 * not touched: the customer was refunded by the cancel (or the failure) itself.
 */
export async function cancelAbandonedAttempts(options: AbandonedSweepOptions): Promise<AbandonedSweepResult> {
  const result: AbandonedSweepResult = {
    cancelled: 0,
    too_late: 0,
    claimed_elsewhere: 0,
    unreachable: 0,
    not_submitted: 0,
    error: 0,
  };
  if (options.backends.size === 0) return result;
  const now = options.now.getTime();
  const abandoned = await options.store.listAbandonedUpstreamAttempts({
    providers: [...options.backends.keys()],
    claimedBefore: new Date(now - options.claimTtlMs),
    submittedBefore: new Date(now - options.submissionGraceMs),
    limit: options.limit ?? 50,
  });
  for (const entry of abandoned) {
    const backend = options.backends.get(entry.attempt.provider);
    if (!backend) continue;
    try {
      result[await backend.cancelAbandoned(entry)] += 1;
    } catch (error) {
      result.error += 1;
      options.onError?.(error);
    }
  }
  return result;
}
