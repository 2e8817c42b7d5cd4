/**
 * A counting semaphore: at most `limit` holders at once, the others queued in arrival order. `acquire`
 * answers the function that gives the slot back (calling it twice gives back once).
 */
export class Slots {
  readonly #limit: number;
  readonly #queue: (() => void)[] = [];
  #held = 0;

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.trunc(limit));
  }

  /** Slots in use now. */
  get held(): number {
    return this.#held;
  }

  /** Holders and waiters together. */
  get demand(): number {
    return this.#held + this.#queue.length;
  }

  async acquire(): Promise<() => void> {
    if (this.#held < this.#limit) this.#held += 1;
    else await new Promise<void>((resolve) => this.#queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      // The slot passes straight to the next waiter, so the count never dips and a newcomer cannot jump it.
      if (next) next();
      else this.#held -= 1;
    };
  }
}
