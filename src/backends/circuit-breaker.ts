/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Failures in a row that open the circuit. */
  readonly threshold: number;
  /** How long an open circuit refuses before it lets one trial through (half-open), in ms. */
  readonly cooldownMs: number;
}

/** `closed`: calls go through; `open`: refused until the cool-down ends; `half_open`: one trial is out. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * A per-provider circuit breaker: after `threshold` failures in a row the provider is skipped for `cooldownMs`,
 * so a dead provider costs one timeout per cool-down instead of one per task. Then one trial goes through
 * (half-open): its success closes the circuit, its failure opens it again. A Retry-After answer holds the
 * provider off for as long as it asked, whatever the count. Time is passed in so the rules are testable.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  #failures = 0;
  #openUntil = 0;
  #trialOut = false;
  #holdUntil = 0;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
  }

  state(now: number): CircuitState {
    if (this.#failures < this.#options.threshold) return 'closed';
    return now < this.#openUntil || this.#trialOut ? 'open' : 'half_open';
  }

  /** Whether a call may go out now (a half-open circuit lets exactly one through until it reports back). */
  allows(now: number): boolean {
    if (now < this.#holdUntil) return false;
    return this.state(now) !== 'open';
  }

  /** Takes the half-open trial slot, if that is what this call is. */
  begin(now: number): void {
    if (this.state(now) === 'half_open') this.#trialOut = true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#trialOut = false;
    this.#openUntil = 0;
  }

  /** A retryable failure; `retryAfterMs` from the provider holds it off at least that long. */
  failed(now: number, retryAfterMs: number | null = null): void {
    this.#failures += 1;
    this.#trialOut = false;
    if (this.#failures >= this.#options.threshold) this.#openUntil = now + this.#options.cooldownMs;
    if (retryAfterMs !== null) this.#holdUntil = Math.max(this.#holdUntil, now + retryAfterMs);
  }

  /** A call that ended without saying anything about the provider's health (aborted, say). */
  released(): void {
    this.#trialOut = false;
  }
}
