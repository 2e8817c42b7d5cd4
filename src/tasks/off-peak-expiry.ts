import { apiError } from '../contract/index.js';
import type { StoredTask, TaskStore } from '../store/index.js';

/** The spec's promise: an off-peak task is generated within 48 hours, or it fails and is refunded. */
export const OFF_PEAK_MAX_WAIT_MS = 48 * 3600 * 1000;

/**
 * Fails the off-peak tasks that found no idle time within {@link OFF_PEAK_MAX_WAIT_MS}, with `off_peak_expired`
 * as the code on the task (failed, not cancelled: clients of the hosted API stop waiting only on completed or
 * failed). Their held cost is refunded in the same transaction. `now` is a parameter so tests need not wait.
 */
export async function expireOffPeakTasks(store: TaskStore, now = new Date()): Promise<StoredTask[]> {
  const reason = apiError('off_peak_expired', { values: { hours: OFF_PEAK_MAX_WAIT_MS / 3_600_000 } });
  return store.expireOffPeakTasks({
    createdBefore: new Date(now.getTime() - OFF_PEAK_MAX_WAIT_MS),
    now,
    error: { code: reason.code, message: reason.message },
  });
}
