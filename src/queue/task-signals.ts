/**
 * What a process tells the others about a task: `queued` (a worker may claim it), `changed` (status or progress
 * moved: streams and sync waits read it again), `cancelled` (the worker rendering it stops).
 */
export interface TaskSignal {
  kind: 'queued' | 'changed' | 'cancelled';
  taskId: string;
}

/**
 * A best-effort wake-up channel between the processes of one deployment; the task rows stay the truth, so a
 * signal that is lost only makes a reader wait for its next poll. In-process for the embedded mode, PostgreSQL
 * LISTEN/NOTIFY when scaled out.
 */
export interface TaskSignals {
  /** Tells every process (this one included, at once). Never throws; a failed send is reported. */
  publish(signal: TaskSignal): void;
  /** Calls `listener` for every signal until the returned function is called. */
  subscribe(listener: (signal: TaskSignal) => void): () => void;
  close(): Promise<void>;
}

/** Listeners of one process, called in order; a listener that throws does not stop the others. */
export class SignalListeners {
  readonly #listeners = new Set<(signal: TaskSignal) => void>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  add(listener: (signal: TaskSignal) => void): () => void {
    // Wrapped, so one listener subscribed twice gets two independent subscriptions.
    const entry = (signal: TaskSignal): void => listener(signal);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  emit(signal: TaskSignal): void {
    for (const listener of this.#listeners) {
      try {
        listener(signal);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

/** The embedded mode's signals: one process, so a function call is the whole channel. */
export function inProcessSignals(): TaskSignals {
  const listeners = new SignalListeners();
  return {
    publish: (signal) => listeners.emit(signal),
    subscribe: (listener) => listeners.add(listener),
    close: () => Promise.resolve(),
  };
}

/**
 * Resolves when a signal about `taskId` arrives or `ms` pass, whichever is first (or when `signal` aborts), so
 * a watcher reacts at once yet still polls when a signal is lost.
 */
export function waitForTaskSignal(
  signals: TaskSignals | undefined,
  taskId: string,
  ms: number,
  abort?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      abort?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unsubscribe =
      signals?.subscribe((signal) => {
        if (signal.taskId === taskId) done();
      }) ?? (() => {});
    if (abort?.aborted) done();
    else abort?.addEventListener('abort', done, { once: true });
  });
}
