import { computeFlow, flowConfidence, type FlowOptions } from '../flow/index.js';
import {
  adoptInverseVectors,
  DEFAULT_INVERSE_CANDIDATES,
  type InverseCandidateOptions,
} from '../flow/inverse-candidates.js';
import {
  DEFAULT_LEAVING_TRUST,
  leaveWithNeighbours,
  type LeavingTrustOptions,
  type TrustedFlow,
} from '../flow/leaving-with-neighbours.js';
import { DEFAULT_WIDE_SEARCH, searchWideBothWays, type WideSearchOptions } from '../flow/wide-search.js';
import { estimateGlobalMotion, invertHomography } from '../motion/index.js';
import { lumaOf, resizePlane, workingSize } from '../raster/planes.js';
import type { FlowField, Homography, Plane, RgbImage } from '../raster/types.js';
import type { PairMotion } from '../synth/intermediate-fields.js';
import {
  confidentShare,
  DEFAULT_MOTION_REGULARISATION,
  regulariseMotion,
  type MotionRegularisation,
} from './regularise-motion.js';

/** Computes one flow field; the render pool runs these on worker threads, tests and benches inline. */
export type FlowRunner = (from: Plane, to: Plane, options: FlowOptions) => Promise<FlowField>;

export interface AnalysePairOptions {
  /**
   * Longest side of the working resolution that flow is measured at. Flow is smooth, so measuring it at a
   * lower resolution and upsampling loses little, and the cost falls with the square of the size.
   */
  readonly maxSide?: number;
  readonly flowOptions?: FlowOptions;
  readonly runFlow?: FlowRunner;
  /** How unreliable vectors are replaced from their reliable surroundings; null keeps the measured flow. */
  readonly regularisation?: MotionRegularisation | null;
  /** How unmatched pixels take the other direction's inverted vector where it fits them; null never. */
  readonly inverseCandidates?: InverseCandidateOptions | null;
  /** How windows their vectors leave unexplained are searched wide, both ways; null never. */
  readonly wideSearch?: WideSearchOptions | null;
  /**
   * How pixels that leave the frame beside matched ones moving alike take their trust and motion; null leaves
   * them as measured, at confidence 0.
   */
  readonly leavingTrust?: LeavingTrustOptions | null;
}

export interface PairAnalysis {
  readonly motion: PairMotion;
  /** start -> end at the working resolution, or null where no reliable global motion was found. */
  readonly homography: Homography | null;
  /** Median motion magnitude as a fraction of the frame diagonal: how much the pair already moves. */
  readonly pairMotion: number;
  /** Share of pixels whose flow passed the forward/backward test (mean of both directions). */
  readonly matchedShare: number;
}

/**
 * Below this share of consistently matched pixels, with no global motion either, the pair is a cut. The
 * product's hardest real pair (the tunnel, keyframes far apart) matches 29%, the street clip 64 frames apart
 * 27% with a global motion; DAVIS pairs match 46..97%, UCF101 pairs 71..99% (eighth session).
 */
export const CUT_MATCHED_SHARE = 0.1;

/**
 * Flow measured at 480 px scores the same middle-frame PSNR on DAVIS as at 640 or 960 px (26.66, 26.65 and
 * 26.65 dB in bench/tune-synth.ts with MAX_SIDE), at a fraction of the cost per field and per frame.
 */
export const DEFAULT_FLOW_MAX_SIDE = 480;

const inlineFlow: FlowRunner = (from, to, options) => Promise.resolve(computeFlow(from, to, options));

/**
 * Measures the motion between two keyframes of the same size, once per clip: the global motion first (a robust
 * homography from matched features, which survives motions far beyond any flow pyramid's reach), then dense
 * flow both ways starting from it, then each direction's confidence from their forward/backward consistency.
 * Where most of the pair is matched, unmatched pixels that the other direction's inverse fits take it
 * (flow/inverse-candidates.ts), and windows that their vectors leave unexplained take what a wide search finds
 * where the other direction's search confirms it (flow/wide-search.ts). Pixels leaving the frame beside matched
 * ones moving alike inherit their confidence and motion (flow/leaving-with-neighbours.ts).
 */
export async function analysePair(
  start: RgbImage,
  end: RgbImage,
  options: AnalysePairOptions = {},
): Promise<PairAnalysis> {
  // Flow needs a few patches across even for a tiny input, hence at least 8 px a side.
  const size = workingSize(start.width, start.height, options.maxSide ?? DEFAULT_FLOW_MAX_SIDE, 8);
  const from = toWorkingLuma(start, size);
  const to = toWorkingLuma(end, size);
  const global = estimateGlobalMotion(from, to);
  const homography = global?.homography ?? null;
  const runFlow = options.runFlow ?? inlineFlow;
  const base = options.flowOptions ?? {};
  const [measuredForward, measuredBackward] = await Promise.all([
    runFlow(from, to, homography ? { ...base, initialHomography: homography } : base),
    runFlow(to, from, homography ? { ...base, initialHomography: invertHomography(homography) } : base),
  ]);
  let forward = measuredForward;
  let backward = measuredBackward;
  let forwardConsistency = flowConfidence(forward, backward);
  let backwardConsistency = flowConfidence(backward, forward);
  // The share as measured: the two gates below and the cut test judge the pair by it, and callers see it. The
  // regularisation's own gate sees the confidences these steps raise: a region they explain is matched.
  const matched = (confidentShare(forwardConsistency) + confidentShare(backwardConsistency)) / 2;
  const inverse =
    options.inverseCandidates === undefined ? DEFAULT_INVERSE_CANDIDATES : options.inverseCandidates;
  const adoptInverse = inverse !== null && matched >= inverse.minMatchedShare;
  if (adoptInverse) {
    forward = adoptInverseVectors(measuredForward, forwardConsistency, measuredBackward, from, to, inverse);
    backward = adoptInverseVectors(measuredBackward, backwardConsistency, measuredForward, to, from, inverse);
  }
  // The search judges windows by the luma alone, so it needs no confidences: they are measured once, after it.
  const wide = options.wideSearch === undefined ? DEFAULT_WIDE_SEARCH : options.wideSearch;
  const searchWide = wide !== null && matched >= wide.minMatchedShare;
  if (searchWide) ({ forward, backward } = searchWideBothWays({ forward, backward }, from, to, wide));
  if (adoptInverse || searchWide) {
    forwardConsistency = flowConfidence(forward, backward);
    backwardConsistency = flowConfidence(backward, forward);
  }
  const leaving = options.leavingTrust === undefined ? DEFAULT_LEAVING_TRUST : options.leavingTrust;
  const trustLeaving = leaving !== null && matched >= leaving.minMatchedShare;
  const forwardTrusted: TrustedFlow = trustLeaving
    ? leaveWithNeighbours(forwardConsistency, forward, leaving)
    : { flow: forward, confidence: forwardConsistency };
  const backwardTrusted: TrustedFlow = trustLeaving
    ? leaveWithNeighbours(backwardConsistency, backward, leaving)
    : { flow: backward, confidence: backwardConsistency };
  const measured: PairMotion = {
    forward: forwardTrusted.flow,
    backward: backwardTrusted.flow,
    forwardConfidence: forwardTrusted.confidence,
    backwardConfidence: backwardTrusted.confidence,
    globalMotion: homography,
    startLuma: from,
    endLuma: to,
  };
  // A cut: the flow matched almost nothing consistently and no camera motion was found. Following its vectors
  // would tear the picture; a deliberate eased push-in and dissolve is what an editor would do there.
  if (homography === null && matched < CUT_MATCHED_SHARE) {
    return {
      motion: { ...measured, transition: 'dissolve' },
      homography,
      pairMotion: medianMagnitude(forward) / Math.hypot(size.width, size.height),
      matchedShare: matched,
    };
  }
  const regularisation =
    options.regularisation === undefined ? DEFAULT_MOTION_REGULARISATION : options.regularisation;
  // Without splat priorities: they belong to the grid the fields are drawn on (synth/field-motion.ts).
  const motion = regularisation === null ? measured : regulariseMotion(measured, regularisation);
  return {
    motion,
    homography,
    pairMotion: medianMagnitude(forward) / Math.hypot(size.width, size.height),
    matchedShare: matched,
  };
}

function toWorkingLuma(image: RgbImage, size: { width: number; height: number }): Plane {
  const luma = lumaOf(image);
  return size.width === image.width && size.height === image.height
    ? luma
    : resizePlane(luma, size.width, size.height);
}

function medianMagnitude(flow: FlowField): number {
  const n = flow.width * flow.height;
  // A strided sample is plenty for a median and keeps this O(n) cheap on large fields.
  const step = Math.max(1, Math.floor(n / 20000));
  const values: number[] = [];
  for (let i = 0; i < n; i += step) values.push(Math.hypot(flow.data[2 * i], flow.data[2 * i + 1]));
  values.sort((a, b) => a - b);
  return values.length === 0 ? 0 : values[values.length >> 1];
}
