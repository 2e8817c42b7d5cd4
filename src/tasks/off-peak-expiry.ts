import { apiError } from '../contract/index.js';
import type { StoredTask, TaskStore } from '../store/index.js';

/** The spec's promise: an off-peak task is generated within 48 hours, or cancelled and refunded. */
export const OFF_PEAK_MAX_WAIT_MS = 48 * 3600 * 1000;

/**
 * Cancels the off-peak tasks that found no idle time within {@link OFF_PEAK_MAX_WAIT_MS}, with
 * `off_peak_expired` as the reason on the task. Nothing was charged for them yet (tasks are charged on
 * completion), so cancelling is the whole refund. `now` is a parameter so tests need not wait two days.
 */
export async function expireOffPeakTasks(store: TaskStore, now = new Date()): Promise<StoredTask[]> {
  const reason = apiError('off_peak_expired', { values: { hours: OFF_PEAK_MAX_WAIT_MS / 3_600_000 } });
  return store.expireOffPeakTasks({
    createdBefore: new Date(now.getTime() - OFF_PEAK_MAX_WAIT_MS),
    now,
    error: { code: reason.code, message: reason.message },
  });
}
