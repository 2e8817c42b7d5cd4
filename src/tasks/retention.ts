import type { BlobStorage } from '../storage/index.js';
import type { TaskStore } from '../store/index.js';

export interface RetentionOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** How long a finished task keeps its row, inputs and outputs. */
  readonly retentionMs: number;
}

/**
 * Deletes tasks that finished more than `retentionMs` ago, then their inputs and outputs. Rows go first: a
 * blob without a row is garbage a later sweep can still remove, a row whose video is gone would be a lie.
 */
export async function sweepFinishedTasks(
  options: RetentionOptions,
  now = new Date(),
): Promise<{ tasks: number; blobs: number }> {
  const removed = await options.store.deleteFinishedBefore(new Date(now.getTime() - options.retentionMs));
  const { deleted } = await options.storage.deleteMany(removed.blobKeys);
  return { tasks: removed.taskIds.length, blobs: deleted };
}

/** Runs {@link sweepFinishedTasks} every `intervalMs` until stopped; a failed sweep is reported and retried. */
export function scheduleRetention(
  options: RetentionOptions & { readonly intervalMs: number; readonly onError?: (error: unknown) => void },
): { stop(): void } {
  const timer = setInterval(() => {
    sweepFinishedTasks(options).catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs);
  // The sweep must never keep a stopping process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
