import { DESCRIPTOR_WORDS, type FeatureSet } from './descriptors.js';

/** Putative correspondences, positions in working-resolution pixels. */
export interface Matches {
  readonly count: number;
  /** Interleaved (x, y) in image A. */
  readonly from: Float64Array;
  /** Interleaved (x, y) in image B. */
  readonly to: Float64Array;
}

/** What matching needs; the caller has resolved every field. */
export interface MatchOptions {
  /** Lowe's ratio: best distance must be below this fraction of the best distinct runner-up. */
  readonly ratio: number;
  /** Highest Hamming distance (of 256) accepted at all. */
  readonly maxDistance: number;
  /** Features closer than this (working pixels) count as the same point seen at another pyramid level. */
  readonly sameRadius: number;
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** All pairwise Hamming distances, row-major A x B (one pass; both directions of the mutual check read it). */
function distanceMatrix(a: FeatureSet, b: FeatureSet): Uint16Array {
  const out = new Uint16Array(a.count * b.count);
  const da = a.descriptors;
  const db = b.descriptors;
  for (let i = 0; i < a.count; i++) {
    const ai = i * DESCRIPTOR_WORDS;
    const a0 = da[ai];
    const a1 = da[ai + 1];
    const a2 = da[ai + 2];
    const a3 = da[ai + 3];
    const a4 = da[ai + 4];
    const a5 = da[ai + 5];
    const a6 = da[ai + 6];
    const a7 = da[ai + 7];
    const row = i * b.count;
    for (let j = 0, bj = 0; j < b.count; j++, bj += DESCRIPTOR_WORDS) {
      out[row + j] =
        popcount(a0 ^ db[bj]) +
        popcount(a1 ^ db[bj + 1]) +
        popcount(a2 ^ db[bj + 2]) +
        popcount(a3 ^ db[bj + 3]) +
        popcount(a4 ^ db[bj + 4]) +
        popcount(a5 ^ db[bj + 5]) +
        popcount(a6 ^ db[bj + 6]) +
        popcount(a7 ^ db[bj + 7]);
    }
  }
  return out;
}

function near(set: FeatureSet, i: number, j: number, radius: number): boolean {
  const dx = set.x[i] - set.x[j];
  const dy = set.y[i] - set.y[j];
  return dx * dx + dy * dy <= radius * radius;
}

/**
 * Brute-force Hamming matching with the ratio test and a mutual check. The same corner often appears on two
 * pyramid levels with near-identical descriptors, so both tests look past features at (nearly) the same place:
 * the ratio is taken against the best *distinct* runner-up, and a mutual partner on another level of the same
 * spot still counts. Duplicate correspondences are then merged so inlier counts stay honest.
 */
export function matchFeatures(a: FeatureSet, b: FeatureSet, options: MatchOptions): Matches {
  const nb = b.count;
  const from: number[] = [];
  const to: number[] = [];
  const cost: number[] = [];
  if (a.count === 0 || nb === 0) return { count: 0, from: new Float64Array(0), to: new Float64Array(0) };
  const dist = distanceMatrix(a, b);
  const colBest = new Int32Array(nb).fill(-1);
  const colBestDist = new Uint16Array(nb).fill(0xffff);
  for (let i = 0; i < a.count; i++) {
    const row = i * nb;
    for (let j = 0; j < nb; j++) {
      if (dist[row + j] < colBestDist[j]) {
        colBestDist[j] = dist[row + j];
        colBest[j] = i;
      }
    }
  }
  for (let i = 0; i < a.count; i++) {
    const row = i * nb;
    let best = -1;
    let bestDist = 0xffff;
    for (let j = 0; j < nb; j++) {
      if (dist[row + j] < bestDist) {
        bestDist = dist[row + j];
        best = j;
      }
    }
    if (bestDist > options.maxDistance) continue;
    const partner = colBest[best];
    if (partner !== i && !near(a, i, partner, options.sameRadius)) continue;
    let second = 0xffff;
    for (let j = 0; j < nb; j++) {
      if (dist[row + j] < second && j !== best && !near(b, best, j, options.sameRadius))
        second = dist[row + j];
    }
    if (bestDist >= options.ratio * second) continue;
    from.push(a.x[i], a.y[i]);
    to.push(b.x[best], b.y[best]);
    cost.push(bestDist);
  }
  return mergeDuplicates(from, to, cost, options.sameRadius);
}

/** Keeps the cheapest of correspondences whose both ends coincide within `radius`. */
function mergeDuplicates(from: number[], to: number[], cost: number[], radius: number): Matches {
  const n = cost.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => cost[p] - cost[q] || p - q);
  const kept: number[] = [];
  const r2 = radius * radius;
  for (const i of order) {
    let duplicate = false;
    for (const k of kept) {
      const ax = from[2 * i] - from[2 * k];
      const ay = from[2 * i + 1] - from[2 * k + 1];
      const bx = to[2 * i] - to[2 * k];
      const by = to[2 * i + 1] - to[2 * k + 1];
      if (ax * ax + ay * ay <= r2 && bx * bx + by * by <= r2) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) kept.push(i);
  }
  const outFrom = new Float64Array(kept.length * 2);
  const outTo = new Float64Array(kept.length * 2);
  kept.forEach((i, k) => {
    outFrom[2 * k] = from[2 * i];
    outFrom[2 * k + 1] = from[2 * i + 1];
    outTo[2 * k] = to[2 * i];
    outTo[2 * k + 1] = to[2 * i + 1];
  });
  return { count: kept.length, from: outFrom, to: outTo };
}
