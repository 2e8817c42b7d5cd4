import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then the rate, per key', () => {
    const limiter = new RateLimiter(2, 4);
    const t = 1_000_000;
    expect([0, 1, 2, 3].map(() => limiter.take('a', t))).toEqual([0, 0, 0, 0]);
    expect(limiter.take('a', t)).toBe(1);
    expect(limiter.take('b', t)).toBe(0);
    expect(limiter.take('a', t + 500)).toBe(0);
    expect(limiter.take('a', t + 500)).toBeGreaterThan(0);
    expect(limiter.take('a', t + 10_000)).toBe(0);
  });
});
