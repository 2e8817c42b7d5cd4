/** The states of a task. */
export const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
/** A task's state. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

// processing -> pending is a lease that expired (a worker died): the task goes back to the queue for another
// attempt. pending -> failed is a task that can fail before a worker takes it (its attempts ran out).
const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ['processing', 'failed', 'cancelled'],
  processing: ['completed', 'failed', 'cancelled', 'pending'],
  completed: [],
  failed: [],
  cancelled: [],
};

/**
 * Whether a task may change from `from` to `to`. Staying in the same state is not a transition (progress
 * updates do not change the status), so `canTransition(s, s)` is false. Terminal states never change.
 */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

/** Completed, failed and cancelled tasks never change again. */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Whether a string is a task status (a `?status=` filter, a database row). */
export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}
