import { randomInt } from 'node:crypto';

/** Largest seed handed out: fits a signed 32-bit integer, which every client language can hold. */
export const MAX_SEED = 2 ** 31 - 1;

/** The spec's rule: a seed of 0 or none means "pick one at random"; the chosen one is reported back. */
export function resolveSeed(seed: number | undefined | null): number {
  if (seed === undefined || seed === null || seed === 0) return randomInt(1, MAX_SEED);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) {
    throw new RangeError(`Expected an integer 0..${2 ** 32 - 1} for seed but received ${String(seed)}`);
  }
  return seed;
}

/**
 * A small, fast, well-mixed deterministic PRNG (mulberry32): the same seed always yields the same stream. The
 * renderer, global motion (RANSAC, descriptor patterns) and the tests all draw from it, never Math.random.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}
