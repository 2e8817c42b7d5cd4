import type { RequeueResult, StoredTask, TaskStore, TransitionResult } from '../store/index.js';
import type { TaskSignal, TaskSignals } from './task-signals.js';

type Announce = (result: unknown, args: unknown[]) => TaskSignal[];

const changedIfOk =
  (kind: TaskSignal['kind']): Announce =>
  (result, args) =>
    (result as TransitionResult).ok ? [{ kind, taskId: args[0] as string }] : [];

/** Which store calls move a task, and what the other processes are told when they succeed. */
const ANNOUNCEMENTS: Partial<Record<keyof TaskStore, Announce>> = {
  insertTask: (result) => {
    const inserted = result as { inserted: boolean; task?: StoredTask };
    return inserted.inserted && inserted.task ? [{ kind: 'queued', taskId: inserted.task.id }] : [];
  },
  claimTask: (result) => (result ? [{ kind: 'changed', taskId: (result as StoredTask).id }] : []),
  claimNextTask: (result) => (result ? [{ kind: 'changed', taskId: (result as StoredTask).id }] : []),
  heartbeat: (result, args) => (result === true ? [{ kind: 'changed', taskId: args[0] as string }] : []),
  completeTask: changedIfOk('changed'),
  failTask: changedIfOk('changed'),
  cancelTask: changedIfOk('cancelled'),
  requeueExpiredLeases: (result) => {
    const { requeued, failed } = result as RequeueResult;
    return [
      ...requeued.map((task) => ({ kind: 'queued' as const, taskId: task.id })),
      ...failed.map((task) => ({ kind: 'changed' as const, taskId: task.id })),
    ];
  },
  expireOffPeakTasks: (result) =>
    (result as StoredTask[]).map((task) => ({ kind: 'changed' as const, taskId: task.id })),
};

/**
 * The same store, publishing a {@link TaskSignal} after each successful change of a task, whoever made it
 * (service, worker, expiry). Signals go after the commit, so a process that hears one reads the new row.
 */
export function withTaskSignals<S extends TaskStore>(store: S, signals: TaskSignals): S {
  return new Proxy(store, {
    get(target, property) {
      // Read on the target itself: getters of classes with #private fields (the PostgreSQL pool) need it as `this`.
      const value: unknown = Reflect.get(target, property);
      const announce = ANNOUNCEMENTS[property as keyof TaskStore];
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!announce) return method.bind(target);
      return async (...args: unknown[]) => {
        const result = await method.apply(target, args);
        for (const signal of announce(result, args)) signals.publish(signal);
        return result;
      };
    },
  });
}
