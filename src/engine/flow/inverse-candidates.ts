import type { FlowField, Plane } from '../raster/types.js';
import { windowContrast, windowError } from './window-error.js';

/** Knobs of {@link adoptInverseVectors}. */
export interface InverseCandidateOptions {
  /** Radius of the square window the two hypotheses are compared over, and the coherence is counted over. */
  readonly radius: number;
  /** Share of the own vector's error that the inverted one must stay under to replace it. */
  readonly margin: number;
  /** Mean absolute luma error (0..255) within which the inverted vector must explain the window. */
  readonly explained: number;
  /**
   * Share of the window's own contrast (its mean absolute deviation) that error must also stay under: on weak
   * texture a window fits many offsets within `explained`, and a fit there is no evidence of a match.
   */
  readonly contrastShare: number;
  /** Distance in pixels under which the two hypotheses count as the same and nothing is compared. */
  readonly minDifference: number;
  /** Share of the window's pixels that must take their inverted vector too for any of them to keep it. */
  readonly coherence: number;
  /**
   * Share of consistently matched pixels under which nothing is adopted (the caller's gate): where less of the
   * pair is matched, the unmatched regions are large, and the inverses that fit in them fit by chance.
   */
  readonly minMatchedShare: number;
}

/**
 * Tuned in bench/tune-quality.ts (bench/RESULTS.md, eighth session): DAVIS +0.13 dB, the other figures within
 * 0.01 dB. At a gate of 0.45 instead of 0.6, street g32 (52% matched) took inverses inside the walking man, whom
 * neither direction matches: its distortion rose from 1.8% to 2.8% (to 5.7%, torn, before the contrast test).
 * Without the contrast test, DAVIS +0.14 dB, but the smooth background of synth/field-motion.test.ts's crossing
 * took the square's inverse where it was and where it will be (error 11.6 instead of 4).
 */
export const DEFAULT_INVERSE_CANDIDATES: InverseCandidateOptions = {
  radius: 2,
  margin: 0.7,
  explained: 14,
  contrastShare: 0.5,
  minDifference: 1,
  coherence: 0.5,
  minMatchedShare: 0.6,
};

/**
 * `flow` with each unmatched pixel (consistency under 0.5) given the other direction's vector, inverted, where
 * that vector explains the pixel's neighbourhood clearly better than its own and most of the neighbourhood takes
 * it too.
 *
 * The two directions are measured independently, and a region one of them finds can be missed by the other: a
 * limb moving fast, or the part of an object that stays in view as it leaves the frame, where every patch of the
 * coarse levels straddles the border. Neither direction is then consistent with the other, and the synthesis
 * trusts neither. The other direction's inverse is the one hypothesis the patch search never tries; the
 * photometric test keeps it only where it fits, so an occluded pixel, which has no true match, keeps its own
 * vector unless some inverse fits it well. The candidates come from `other` as measured, not as adopted, so the
 * result does not depend on which direction goes first.
 */
export function adoptInverseVectors(
  flow: FlowField,
  confidence: Plane,
  other: FlowField,
  from: Plane,
  to: Plane,
  options: InverseCandidateOptions = DEFAULT_INVERSE_CANDIDATES,
): FlowField {
  const { width, height } = flow;
  const candidates = invertedCandidates(other, from, to);
  const taken = fittingCandidates(flow, confidence, candidates, from, to, options);
  const out = new Float32Array(flow.data);
  const r = options.radius;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!taken[i]) continue;
      // An isolated fit among pixels that keep their own vectors is more likely chance than a missed region,
      // and an island of other motion would tear the picture around it.
      let takers = 0;
      let count = 0;
      for (let wy = Math.max(0, y - r); wy <= Math.min(height - 1, y + r); wy++) {
        for (let wx = Math.max(0, x - r); wx <= Math.min(width - 1, x + r); wx++) {
          takers += taken[wy * width + wx];
          count++;
        }
      }
      if (takers < options.coherence * count) continue;
      out[2 * i] = candidates[2 * i];
      out[2 * i + 1] = candidates[2 * i + 1];
    }
  }
  return { width, height, data: out };
}

/** 1 where an unmatched pixel's inverted candidate explains its window clearly better than its own vector. */
function fittingCandidates(
  flow: FlowField,
  confidence: Plane,
  candidates: Float32Array,
  from: Plane,
  to: Plane,
  options: InverseCandidateOptions,
): Uint8Array {
  const { width, height, data: f } = flow;
  const taken = new Uint8Array(width * height);
  const minSquared = options.minDifference * options.minDifference;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (confidence.data[i] >= 0.5) continue;
      const cu = candidates[2 * i];
      if (Number.isNaN(cu)) continue;
      const cv = candidates[2 * i + 1];
      const du = cu - f[2 * i];
      const dv = cv - f[2 * i + 1];
      if (du * du + dv * dv < minSquared) continue;
      const inverse = windowError(from, to, x, y, cu, cv, options.radius);
      if (inverse > options.explained) continue;
      if (inverse > options.contrastShare * windowContrast(from, x, y, options.radius)) continue;
      const own = windowError(from, to, x, y, f[2 * i], f[2 * i + 1], options.radius);
      if (inverse < options.margin * own) taken[i] = 1;
    }
  }
  return taken;
}

/**
 * -other(q) at the pixel of `from` nearest to where `other` carries each pixel q of `to`; NaN where it carries
 * none. Where several land on one pixel, the one whose own luma is nearest that pixel's wins (on a tie, the first
 * in raster order).
 */
function invertedCandidates(other: FlowField, from: Plane, to: Plane): Float32Array {
  const { width, height } = other;
  const n = width * height;
  const candidates = new Float32Array(2 * n).fill(NaN);
  const bestDifference = new Float32Array(n).fill(Infinity);
  const o = other.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const q = y * width + x;
      const tx = Math.round(x + o[2 * q]);
      const ty = Math.round(y + o[2 * q + 1]);
      if (tx < 0 || ty < 0 || tx >= width || ty >= height) continue;
      const p = ty * width + tx;
      const difference = Math.abs(to.data[q] - from.data[p]);
      if (difference < bestDifference[p]) {
        bestDifference[p] = difference;
        candidates[2 * p] = -o[2 * q];
        candidates[2 * p + 1] = -o[2 * q + 1];
      }
    }
  }
  return candidates;
}
