import type { Homography } from '../raster/types.js';
import { homographyFromFourPoints, multiplyHomography, normalizeHomography } from './homography.js';
import type { Matches } from './match.js';
import { seededRandom } from '../seed.js';
import { refineHomography } from './refine.js';

/** What RANSAC needs; the caller has resolved every field. */
export interface RansacOptions {
  /** Inlier bound on the transfer error, working-resolution pixels. */
  readonly threshold: number;
  readonly maxIterations: number;
  /** Probability of having drawn at least one all-inlier sample when the adaptive loop stops. */
  readonly confidence: number;
  readonly seed: number;
}

/** The model RANSAC settled on, with its inliers, in the matches' own (working-resolution) pixels. */
export interface RansacResult {
  readonly homography: Homography;
  readonly inliers: Uint8Array;
  readonly inlierCount: number;
}

/** Hartley normalisation: centroid to the origin, mean distance sqrt(2). Returns the points and the transform. */
function normalisePoints(points: Float64Array): {
  points: Float64Array;
  transform: Homography;
  scale: number;
} {
  const n = points.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += points[2 * i];
    my += points[2 * i + 1];
  }
  mx /= n;
  my /= n;
  let spread = 0;
  for (let i = 0; i < n; i++) spread += Math.hypot(points[2 * i] - mx, points[2 * i + 1] - my);
  const scale = spread > 0 ? (Math.SQRT2 * n) / spread : 1;
  const out = new Float64Array(points.length);
  for (let i = 0; i < n; i++) {
    out[2 * i] = (points[2 * i] - mx) * scale;
    out[2 * i + 1] = (points[2 * i + 1] - my) * scale;
  }
  return {
    points: out,
    transform: Float64Array.of(scale, 0, -mx * scale, 0, scale, -my * scale, 0, 0, 1),
    scale,
  };
}

function cross(p: Float64Array, i: number, j: number, k: number): number {
  return (
    (p[2 * j] - p[2 * i]) * (p[2 * k + 1] - p[2 * i + 1]) -
    (p[2 * j + 1] - p[2 * i + 1]) * (p[2 * k] - p[2 * i])
  );
}

/**
 * Rejects samples that cannot give a camera homography before solving: (near-)collinear triples, and triples
 * whose orientation flips between the images (a mirror, which no camera move produces).
 */
function goodSample(a: Float64Array, b: Float64Array, s: Int32Array): boolean {
  const minArea = 1e-3;
  for (let t = 0; t < 4; t++) {
    const i = s[t === 0 ? 1 : 0];
    const j = s[t <= 1 ? 2 : 1];
    const k = s[t <= 2 ? 3 : 2];
    const ca = cross(a, i, j, k);
    const cb = cross(b, i, j, k);
    if (Math.abs(ca) < minArea || Math.abs(cb) < minArea || ca * cb < 0) return false;
  }
  return true;
}

/** Marks correspondences whose transfer error is under `threshold`; returns how many. */
function classify(
  h: Homography,
  a: Float64Array,
  b: Float64Array,
  threshold: number,
  out: Uint8Array,
): number {
  const t2 = threshold * threshold;
  let count = 0;
  for (let i = 0; i < out.length; i++) {
    const x = a[2 * i];
    const y = a[2 * i + 1];
    const w = h[6] * x + h[7] * y + h[8];
    const dx = (h[0] * x + h[1] * y + h[2]) / w - b[2 * i];
    const dy = (h[3] * x + h[4] * y + h[5]) / w - b[2 * i + 1];
    // A point that lands behind the camera (w <= 0) is never an inlier.
    const ok = w > 0 && dx * dx + dy * dy < t2 ? 1 : 0;
    out[i] = ok;
    count += ok;
  }
  return count;
}

/** MSAC cost: inliers pay their squared error, outliers the squared threshold; lower is better. */
function msacCost(h: Homography, a: Float64Array, b: Float64Array, t2: number, limit: number): number {
  let cost = 0;
  const n = a.length / 2;
  for (let i = 0; i < n; i++) {
    const x = a[2 * i];
    const y = a[2 * i + 1];
    const w = h[6] * x + h[7] * y + h[8];
    const dx = (h[0] * x + h[1] * y + h[2]) / w - b[2 * i];
    const dy = (h[3] * x + h[4] * y + h[5]) / w - b[2 * i + 1];
    const e = dx * dx + dy * dy;
    cost += w > 0 && e < t2 ? e : t2;
    // Early exit: this model can no longer beat the best one.
    if (cost >= limit) return cost;
  }
  return cost;
}

/**
 * Robust homography from putative matches: seeded MSAC on four-point samples in normalised coordinates, an
 * adaptive iteration count, then alternating inlier re-selection and Levenberg-Marquardt refinement.
 * Returns null when no sample gives a usable model.
 */
export function fitHomographyRansac(matches: Matches, options: RansacOptions): RansacResult | null {
  const n = matches.count;
  if (n < 4) return null;
  const na = normalisePoints(matches.from);
  const nb = normalisePoints(matches.to);
  const a = na.points;
  const b = nb.points;
  const threshold = options.threshold * nb.scale;
  const t2 = threshold * threshold;
  const random = seededRandom(options.seed);
  const sample = new Int32Array(4);
  const src = new Float64Array(8);
  const dst = new Float64Array(8);
  const candidate = new Float64Array(9);
  const scratchA = new Float64Array(64);
  const scratchB = new Float64Array(8);
  const mask = new Uint8Array(n);
  let best: Homography | null = null;
  let bestCost = Infinity;
  let needed = options.maxIterations;
  for (let it = 0; it < needed; it++) {
    for (let k = 0; k < 4; k++) {
      let idx: number;
      do idx = Math.floor(random() * n);
      while (sample.subarray(0, k).includes(idx));
      sample[k] = idx;
    }
    if (!goodSample(a, b, sample)) continue;
    for (let k = 0; k < 4; k++) {
      src[2 * k] = a[2 * sample[k]];
      src[2 * k + 1] = a[2 * sample[k] + 1];
      dst[2 * k] = b[2 * sample[k]];
      dst[2 * k + 1] = b[2 * sample[k] + 1];
    }
    if (!homographyFromFourPoints(src, dst, candidate, scratchA, scratchB)) continue;
    const cost = msacCost(candidate, a, b, t2, bestCost);
    if (cost >= bestCost) continue;
    bestCost = cost;
    best = Float64Array.from(candidate);
    const ratio = classify(best, a, b, threshold, mask) / n;
    const miss = 1 - ratio ** 4;
    if (miss <= 0) needed = Math.min(needed, it + 1);
    else
      needed = Math.min(options.maxIterations, Math.ceil(Math.log(1 - options.confidence) / Math.log(miss)));
  }
  if (!best) return null;
  let model: Homography = best;
  let count = classify(model, a, b, threshold, mask);
  for (let round = 0; round < 4 && count >= 4; round++) {
    model = refineHomography(model, a, b, mask, 10);
    const next = classify(model, a, b, threshold, mask);
    if (next === count && round > 0) break;
    count = next;
  }
  if (count < 4) return null;
  // Back to pixels: H = Tb^-1 * Hn * Ta.
  const s = 1 / nb.scale;
  const tbInv = Float64Array.of(s, 0, -nb.transform[2] * s, 0, s, -nb.transform[5] * s, 0, 0, 1);
  const homography = normalizeHomography(multiplyHomography(tbInv, multiplyHomography(model, na.transform)));
  return { homography, inliers: mask, inlierCount: count };
}
