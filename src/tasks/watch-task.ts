import { isTerminal, type TaskObject } from '../contract/index.js';
import { waitForTaskSignal, type TaskSignals } from '../queue/task-signals.js';
import type { TaskService } from './task-service.js';

export interface WatchTaskOptions {
  /** How often the store is read; also the most a change can wait before it is seen. */
  readonly intervalMs?: number;
  /** Ends the watch (the client went away, or a deadline passed). */
  readonly signal?: AbortSignal;
  /** Wakes the watch as soon as any process changes the task; the interval is then only the fallback. */
  readonly signals?: TaskSignals;
}

/**
 * Yields a task's state now and again whenever its status or progress changes, ending after a final state.
 * It reads the store rather than listening to this process's worker, so it sees tasks rendered by any process
 * of a deployment; a task signal only tells it when to read. A missing task (or another key's) throws task_not_found at the first read.
 */
export async function* watchTask(
  service: TaskService,
  keyId: string,
  id: string,
  options: WatchTaskOptions = {},
): AsyncGenerator<TaskObject> {
  const interval = options.intervalMs ?? 250;
  let last = '';
  for (;;) {
    const task = await service.get(keyId, id);
    const state = `${task.status}:${task.progress}`;
    if (state !== last) {
      last = state;
      yield task;
    }
    if (isTerminal(task.status)) return;
    if (options.signal?.aborted) return;
    await waitForTaskSignal(options.signals ?? service.signals, id, interval, options.signal);
    if (options.signal?.aborted) return;
  }
}
