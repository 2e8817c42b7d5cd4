import type { FlowField, Plane } from '../raster/types.js';
import { landsOutside } from './consistency.js';

/** Knobs of {@link leaveWithNeighbours}. */
export interface LeavingTrustOptions {
  /** How far from a leaving pixel a matched pixel moving alike is looked for, in pixels. */
  readonly radius: number;
  /** Difference of vectors, as a share of the leaving pixel's vector, under which the two move alike. */
  readonly tolerance: number;
  /** The least difference that counts as alike, in pixels. */
  readonly minTolerance: number;
  /** Passes of the search, each reaching `radius` further from what the last one trusted. */
  readonly passes: number;
  /**
   * Share of consistently matched pixels under which nothing is trusted this way (the caller's gate): where
   * little of the pair is matched, a matched pixel beside a leaving one is as often a chance match.
   */
  readonly minMatchedShare: number;
}

/**
 * Tuned in bench/tune-quality.ts (bench/RESULTS.md, ninth session): with the vectors carried, DAVIS +0.04 dB
 * over the eighth session's trust alone (radius 6, tolerance 0.3, 3 passes), the other figures within 0.01 dB.
 * Without the share gate the sample tunnel, which matches 29%, distorted 3.72% instead of 2.67%, and at a gate
 * of 0.25 street g64 (27% matched) lost 0.16 dB.
 */
export const DEFAULT_LEAVING_TRUST: LeavingTrustOptions = {
  radius: 10,
  tolerance: 0.5,
  minTolerance: 2,
  passes: 5,
  minMatchedShare: 0.4,
};

/** A flow with its per-pixel confidence. */
export interface TrustedFlow {
  readonly flow: FlowField;
  readonly confidence: Plane;
}

/**
 * The consistency test gives 0 to every pixel that its flow carries out of the other frame: nothing there can
 * confirm it. But the part of a scene that leaves the frame (the edge of a pan, an object passing the border)
 * moves with the part beside it that stays in view, and that part is matched. A leaving pixel with a confidently
 * matched pixel within `radius` that moves alike takes that pixel's confidence, and the vector of the nearest
 * such pixel: it leaves with its surroundings, as a whole, and what it uncovers knows what covered it. Its own
 * vector was measured with nothing to match (patches that straddle the border guess), and left as it was, the
 * leaving part of an object stretched away from the part in view. A leaving pixel with nothing matched that
 * moves like it keeps its vector and its confidence. Each pass starts from the last one's result, so trust and
 * motion reach along a region wider than `radius`.
 */
export function leaveWithNeighbours(
  confidence: Plane,
  flow: FlowField,
  options: LeavingTrustOptions = DEFAULT_LEAVING_TRUST,
): TrustedFlow {
  const { width, height } = flow;
  let current: TrustedFlow = { flow, confidence };
  for (let pass = 0; pass < options.passes; pass++) {
    const next: TrustedFlow = {
      flow: { width, height, data: new Float32Array(current.flow.data) },
      confidence: { width, height, data: new Float32Array(current.confidence.data) },
    };
    leavingPass(current, next, options);
    current = next;
  }
  return current;
}

function leavingPass(current: TrustedFlow, next: TrustedFlow, options: LeavingTrustOptions): void {
  const { width: w, height: h, data: f } = current.flow;
  const trusted = current.confidence.data;
  const r = options.radius;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      // Nothing to raise, and its vector is kept: a full match, or one taken in an earlier pass.
      if (trusted[i] >= 1) continue;
      const u = f[2 * i];
      const v = f[2 * i + 1];
      // The consistency test's own definition of leaving.
      if (!landsOutside(x + u, y + v, w, h)) continue;
      const tolerance = Math.max(options.minTolerance, options.tolerance * Math.sqrt(u * u + v * v));
      const tolerance2 = tolerance * tolerance;
      let best = trusted[i];
      let nearest = Infinity;
      let nearestPixel = -1;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          const j = yy * w + xx;
          if (trusted[j] <= 0.5) continue;
          const du = f[2 * j] - u;
          const dv = f[2 * j + 1] - v;
          if (du * du + dv * dv > tolerance2) continue;
          if (trusted[j] > best) best = trusted[j];
          const distance2 = (xx - x) * (xx - x) + (yy - y) * (yy - y);
          if (distance2 < nearest) {
            nearest = distance2;
            nearestPixel = j;
          }
        }
      }
      next.confidence.data[i] = best;
      // A pixel already trusted keeps its vector: it is a match, or it took one in an earlier pass.
      if (nearestPixel >= 0 && !(trusted[i] > 0.5)) {
        next.flow.data[2 * i] = f[2 * nearestPixel];
        next.flow.data[2 * i + 1] = f[2 * nearestPixel + 1];
      }
    }
  }
}
