import type { BlobStorage } from '../storage/index.js';
import type { TaskStore } from '../store/index.js';

/**
 * How old a blob without a task row must be before the orphan sweep removes it. A task's inputs are stored
 * before its row is inserted, so a blob of a task being created has no row yet; a create finishes within its
 * image fetch time limits (seconds), and an hour leaves room for any of them.
 */
export const DEFAULT_ORPHAN_GRACE_MS = 3_600_000;

/** Task ids asked about at once; keeps each store query small. */
const ORPHAN_BATCH = 500;

export interface RetentionOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** How long a finished task keeps its row, inputs and outputs. */
  readonly retentionMs: number;
  /** How old a blob without a row must be to be swept; default {@link DEFAULT_ORPHAN_GRACE_MS}. */
  readonly orphanGraceMs?: number;
}

/**
 * Deletes tasks that finished more than `retentionMs` ago, then their inputs and outputs. Rows go first: a
 * blob without a row is garbage that {@link sweepOrphanedBlobs} still removes, a row whose video is gone would
 * be a lie.
 */
export async function sweepFinishedTasks(
  options: RetentionOptions,
  now = new Date(),
): Promise<{ tasks: number; blobs: number }> {
  const removed = await options.store.deleteFinishedBefore(new Date(now.getTime() - options.retentionMs));
  const { deleted } = await options.storage.deleteMany(removed.blobKeys);
  return { tasks: removed.taskIds.length, blobs: deleted };
}

/**
 * Removes the blobs under `tasks/<task id>/` whose task has no row: left by a blob delete that failed after
 * retention removed the row, or by a create that died between storing its inputs and inserting the task. Only
 * blobs older than the grace period are judged, so the inputs of a task being created are never touched; keys
 * outside `tasks/` are not this sweep's to judge.
 */
export async function sweepOrphanedBlobs(
  options: Pick<RetentionOptions, 'store' | 'storage' | 'orphanGraceMs'>,
  now = new Date(),
): Promise<{ blobs: number }> {
  const cutoff = now.getTime() - (options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS);
  let deleted = 0;
  let batch = new Map<string, string[]>();
  const flush = async () => {
    const existing = new Set(await options.store.existingTaskIds([...batch.keys()]));
    const orphans = [...batch].filter(([id]) => !existing.has(id)).flatMap(([, keys]) => keys);
    batch = new Map();
    if (orphans.length > 0) deleted += (await options.storage.deleteMany(orphans)).deleted;
  };
  for await (const blob of options.storage.list('tasks/')) {
    if (blob.modifiedAt.getTime() > cutoff) continue;
    const taskId = blob.key.split('/')[1];
    // A key directly under tasks/ names no task.
    if (!taskId || !blob.key.startsWith(`tasks/${taskId}/`)) continue;
    if (!batch.has(taskId) && batch.size >= ORPHAN_BATCH) await flush();
    batch.set(taskId, [...(batch.get(taskId) ?? []), blob.key]);
  }
  if (batch.size > 0) await flush();
  return { blobs: deleted };
}

/**
 * Runs {@link sweepFinishedTasks}, then {@link sweepOrphanedBlobs}, every `intervalMs` until stopped; a failed
 * sweep is reported and retried at the next run.
 */
export function scheduleRetention(
  options: RetentionOptions & { readonly intervalMs: number; readonly onError?: (error: unknown) => void },
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    // A sweep over a large store may outlast the interval; two at once would only race each other.
    if (running) return;
    running = true;
    void (async () => {
      try {
        await sweepFinishedTasks(options).catch((error: unknown) => options.onError?.(error));
        await sweepOrphanedBlobs(options).catch((error: unknown) => options.onError?.(error));
      } finally {
        running = false;
      }
    })();
  }, options.intervalMs);
  // The sweep must never keep a stopping process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
