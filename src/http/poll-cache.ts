import { isTerminal, type TaskObject } from '../contract/index.js';

/** How stale a running task's answer may be: well under any sensible polling interval. */
export const RUNNING_TASK_TTL_MS = 250;
/** A final task does not change; its answer is kept longer, but not so long that its signed URLs age much. */
export const FINAL_TASK_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * Serialized answers to `GET task`, per key and task. Clients poll a running task many times a second in
 * aggregate; this turns most polls into a map lookup instead of a store read, a serialization and two URL
 * signatures. Progress may lag by at most {@link RUNNING_TASK_TTL_MS}; a cancel through this process
 * invalidates its entry at once.
 */
export class PollCache {
  readonly #entries = new Map<string, { body: string; until: number }>();

  get(keyId: string, taskId: string, now: number): string | undefined {
    const entry = this.#entries.get(`${keyId}\n${taskId}`);
    if (!entry) return undefined;
    if (entry.until > now) return entry.body;
    this.#entries.delete(`${keyId}\n${taskId}`);
    return undefined;
  }

  /** Serializes the task, keeps it for as long as its state allows, and returns the text. */
  put(keyId: string, task: TaskObject, now: number): string {
    const body = JSON.stringify(task);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    const ttl = isTerminal(task.status) ? FINAL_TASK_TTL_MS : RUNNING_TASK_TTL_MS;
    this.#entries.set(`${keyId}\n${task.id}`, { body, until: now + ttl });
    return body;
  }

  forget(keyId: string, taskId: string): void {
    this.#entries.delete(`${keyId}\n${taskId}`);
  }
}
