/**
 * The responses that stay open for a long time (event streams, sync waits), so a shutdown can end them: a
 * server closes only once its connections have, and an event stream never ends on its own.
 */
export class LongResponses {
  readonly #open = new Set<AbortController>();
  #closing = false;

  /** A signal that aborts at shutdown; call the returned `done` when the response has ended. */
  open(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    if (this.#closing) controller.abort(new Error('the server is shutting down'));
    else this.#open.add(controller);
    return { signal: controller.signal, done: () => this.#open.delete(controller) };
  }

  /** Whether the server has begun to shut down. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Ends every open response and any opened from now on. */
  endAll(): void {
    this.#closing = true;
    for (const controller of this.#open) controller.abort(new Error('the server is shutting down'));
    this.#open.clear();
  }
}
