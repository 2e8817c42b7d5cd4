/**
 * Counts the renders a backend runs at once against its limit, so tasks wait in the queue for a free slot
 * instead of collecting 429s upstream. Non-blocking on purpose: the worker asks before it claims and the
 * router takes a slot only when one is free; a release tells the listener (the worker wakes).
 */
export class SlotLimiter {
  readonly limit: number;
  #used = 0;
  readonly #onRelease: () => void;

  constructor(limit: number, onRelease: () => void = () => {}) {
    this.limit = limit;
    this.#onRelease = onRelease;
  }

  get used(): number {
    return this.#used;
  }

  free(): boolean {
    return this.#used < this.limit;
  }

  /** Takes a slot when one is free; false otherwise. */
  tryAcquire(): boolean {
    if (!this.free()) return false;
    this.#used += 1;
    return true;
  }

  /** Takes a slot past the limit: for a task that is already running on this backend (resumed). */
  force(): true {
    this.#used += 1;
    return true;
  }

  release(): void {
    this.#used = Math.max(0, this.#used - 1);
    this.#onRelease();
  }
}
