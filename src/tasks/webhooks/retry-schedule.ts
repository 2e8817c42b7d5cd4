/**
 * Waits after each failed attempt, the schedule Standard Webhooks senders use: the first attempt at once, then
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later; eight attempts over 27 h 35 min, so a receiver that is
 * down for a day still gets every callback.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** When to try again after `attemptsMade` failed attempts, or null when the schedule is used up. */
export function nextAttemptAt(attemptsMade: number, now: Date, delaysMs: readonly number[]): Date | null {
  const delay = delaysMs[attemptsMade - 1];
  return delay === undefined ? null : new Date(now.getTime() + delay);
}
