import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold, half-opens for one trial after the cool-down, closes on its success', () => {
    const breaker = new CircuitBreaker({ threshold: 3, cooldownMs: 1000 });
    breaker.failed(0);
    breaker.failed(10);
    expect(breaker.state(20)).toBe('closed');
    expect(breaker.allows(20)).toBe(true);
    breaker.failed(20);
    expect(breaker.state(21)).toBe('open');
    expect(breaker.allows(1019)).toBe(false);
    expect(breaker.state(1020)).toBe('half_open');
    expect(breaker.allows(1020)).toBe(true);
    breaker.begin(1020);
    // Only one trial at a time.
    expect(breaker.allows(1021)).toBe(false);
    breaker.succeeded();
    expect(breaker.state(1022)).toBe('closed');
  });

  it('reopens when the trial fails, and frees the trial slot when a call says nothing', () => {
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 100 });
    breaker.failed(0);
    breaker.begin(100);
    breaker.failed(100);
    expect(breaker.allows(150)).toBe(false);
    expect(breaker.allows(200)).toBe(true);
    breaker.begin(200);
    expect(breaker.allows(201)).toBe(false);
    breaker.released();
    expect(breaker.allows(201)).toBe(true);
  });

  it('holds a provider off for its Retry-After even below the threshold', () => {
    const breaker = new CircuitBreaker({ threshold: 5, cooldownMs: 100 });
    breaker.failed(0, 60_000);
    expect(breaker.state(1)).toBe('closed');
    expect(breaker.allows(59_999)).toBe(false);
    expect(breaker.allows(60_000)).toBe(true);
  });
});
