import type { AbandonedSweepResult, BackendRouter } from '../backends/index.js';

/** Options of {@link scheduleUpstreamSweep}. */
export interface UpstreamSweepOptions {
  readonly router: Pick<BackendRouter, 'cancelAbandoned'>;
  /** Between two sweeps (INBETWEEN_UPSTREAM_SWEEP_INTERVAL). */
  readonly intervalMs: number;
  /** Told of a sweep that failed (the store) or an attempt that could not be settled. */
  readonly onError?: (error: unknown) => void;
  /** Told what a sweep that found something did, for the logs. */
  readonly onSwept?: (result: AbandonedSweepResult) => void;
}

/**
 * Runs the sweep of abandoned upstream attempts at once (a process that starts after a crash settles what the
 * crash left) and then every `intervalMs`, never two at a time; `stop` waits for a sweep in progress.
 */
export function scheduleUpstreamSweep(options: UpstreamSweepOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const sweep = (): void => {
    if (running) return;
    running = options.router
      .cancelAbandoned(options.onError)
      .then((result) => {
        const found = Object.entries(result).some(([outcome, n]) => outcome !== 'claimed_elsewhere' && n > 0);
        if (found) options.onSwept?.(result);
      })
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => (running = null));
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  // The sweep must never keep a stopping process alive.
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
