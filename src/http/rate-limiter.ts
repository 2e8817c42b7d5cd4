/**
 * Per-key request rate, as a token bucket: `rate` requests per second on average, bursts of up to `burst`.
 * In memory, per process: each API process of a deployment enforces it on its own share of the traffic.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(rate: number, burst = 2 * rate) {
    this.#rate = rate;
    this.#burst = burst;
  }

  /** Takes one token for `key`: 0 when allowed, else the whole seconds to wait before the next one. */
  take(key: string, now = Date.now()): number {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    // Bounded: idle keys' full buckets carry no information, so dropping them all when the map is large is safe.
    if (!this.#buckets.has(key) && this.#buckets.size >= 100_000) this.#buckets.clear();
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }
}
