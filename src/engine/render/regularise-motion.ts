import { flowConfidence } from '../flow/consistency.js';
import { homographyFlow } from '../flow/homography-flow.js';
import { DEFAULT_REGULARISE, regulariseFlow, type RegulariseOptions } from '../flow/regularise-flow.js';
import {
  DEFAULT_OCCLUSION_FILL,
  fillOccluded,
  occludedPixels,
  type OcclusionFillOptions,
} from '../flow/occlusion-fill.js';
import { hiddenFrom } from '../flow/occlusion-timing.js';
import { invertHomography } from '../motion/index.js';
import { createFlow } from '../raster/planes.js';
import type { FlowField, Homography, Plane } from '../raster/types.js';
import { boxMean } from '../synth/agreement-select.js';
import { samplePlane } from '../raster/planes.js';
import type { PairMotion } from '../synth/intermediate-fields.js';

export interface MotionRegularisation extends RegulariseOptions {
  /** Measure the forward/backward confidence again on the regularised flows (else keep the measured one). */
  readonly reconfirm: boolean;
  /**
   * Luma error (0..255, 3x3 mean) at which a vector that fails the consistency test still counts as reliable by
   * e^-1 because it carries its pixel onto a matching one; 0 trusts the consistency test alone.
   */
  readonly photometricSigma: number;
  /**
   * Share of confident pixels (consistency > 0.5) at and above which the measured flow is kept as it is, and at
   * and below which it is regularised fully, linearly between: where most of the pair is matched, the few
   * inconsistent vectors are mostly occlusions that the splatting already weighs down, and replacing them cost
   * DAVIS PSNR; where little is matched (keyframes far apart), the noisy vectors are what melts the picture.
   */
  readonly keepAbove: number;
  readonly fullBelow: number;
  /** Confidence under which a vector is replaced whatever the pair's share, fully at 0 (0 turns this off). */
  readonly alwaysBelow: number;
  /**
   * Occluded pixels take the most background-like motion of their surroundings before anything else, at any
   * matched share (flow/occlusion-fill.ts); null keeps their measured vectors.
   */
  readonly occlusionFill: OcclusionFillOptions | null;
}

export const DEFAULT_MOTION_REGULARISATION: MotionRegularisation = {
  ...DEFAULT_REGULARISE,
  reconfirm: false,
  photometricSigma: 0,
  keepAbove: 0.85,
  fullBelow: 0.45,
  alwaysBelow: 0,
  occlusionFill: DEFAULT_OCCLUSION_FILL,
};

/**
 * The measured motion with each direction's unreliable vectors replaced by motion interpolated from its reliable
 * surroundings (flow/regularise-flow.ts), the global motion as the prior where nothing nearby is reliable.
 * Needs the keyframes' luma in `motion`. Returns no splat priorities (synth/field-motion.ts computes them).
 */
export function regulariseMotion(
  measured: PairMotion,
  options: MotionRegularisation = DEFAULT_MOTION_REGULARISATION,
): PairMotion {
  const { startLuma, endLuma } = measured;
  if (!startLuma || !endLuma) throw new RangeError('Expected startLuma and endLuma in motion');
  const global = measured.globalMotion ?? null;
  const filled = options.occlusionFill ? withOcclusionsFilled(measured, options.occlusionFill) : null;
  const motion = filled?.motion ?? measured;
  const sigma = options.photometricSigma;
  const forward = regulariseFlow(
    motion.forward,
    sigma > 0
      ? withMatches(motion.forwardConfidence, motion.forward, startLuma, endLuma, sigma)
      : motion.forwardConfidence,
    startLuma,
    global ? globalFlow(global, motion.forward) : null,
    options,
  );
  const backward = regulariseFlow(
    motion.backward,
    sigma > 0
      ? withMatches(motion.backwardConfidence, motion.backward, endLuma, startLuma, sigma)
      : motion.backwardConfidence,
    endLuma,
    global ? globalFlow(invertHomography(global), motion.backward) : null,
    options,
  );
  const share = (confidentShare(motion.forwardConfidence) + confidentShare(motion.backwardConfidence)) / 2;
  const strength = Math.min(
    1,
    Math.max(0, (options.keepAbove - share) / (options.keepAbove - options.fullBelow)),
  );
  mixInto(forward, motion.forward, motion.forwardConfidence, strength, options.alwaysBelow);
  mixInto(backward, motion.backward, motion.backwardConfidence, strength, options.alwaysBelow);
  const result: PairMotion = {
    ...motion,
    forward,
    backward,
    forwardConfidence: trustFilled(
      options.reconfirm ? flowConfidence(forward, backward) : motion.forwardConfidence,
      filled?.marks.forwardFilled,
    ),
    backwardConfidence: trustFilled(
      options.reconfirm ? flowConfidence(backward, forward) : motion.backwardConfidence,
      filled?.marks.backwardFilled,
    ),
    // The measured flows' priorities, if any, no longer fit; they are computed where the fields are drawn.
    forwardPriority: undefined,
    backwardPriority: undefined,
    regularised: strength,
    ...filled?.marks,
  };
  return result;
}

/**
 * Confidence 1 where the occlusion fill replaced a vector. Such a pixel fails the consistency test because the
 * other keyframe does not show it, not because its vector is wrong: its colour is the only view of that place,
 * and its motion is now its background's. Left untrusted, it lost its place in the splat to the bleeding edge
 * of the object beside it, and the object's old place came out garbled (bench/RESULTS.md, fifth session).
 */
function trustFilled(confidence: Plane, filled: Uint8Array | undefined): Plane {
  if (!filled) return confidence;
  const data = new Float32Array(confidence.data);
  for (let i = 0; i < data.length; i++) if (filled[i]) data[i] = 1;
  return { ...confidence, data };
}

/** The fill's marks on the motion: present only where they mark something, so clips without any pay nothing. */
type OcclusionMarks = Pick<
  PairMotion,
  'forwardFilled' | 'backwardFilled' | 'forwardHiddenFrom' | 'backwardHiddenFrom'
>;

interface FilledMotion {
  readonly motion: PairMotion;
  readonly marks: OcclusionMarks;
}

/**
 * Both directions with their occluded pixels' vectors taken from their background (flow/occlusion-fill.ts),
 * which pixels those are, and when their occluders cover them (flow/occlusion-timing.ts).
 */
function withOcclusionsFilled(motion: PairMotion, options: OcclusionFillOptions): FilledMotion {
  const forwardOccluded = occludedPixels(
    motion.forwardConfidence,
    motion.backward,
    motion.backwardConfidence,
    options,
  );
  const backwardOccluded = occludedPixels(
    motion.backwardConfidence,
    motion.forward,
    motion.forwardConfidence,
    options,
  );
  const forward = fillOccluded(
    motion.forward,
    motion.forwardConfidence,
    forwardOccluded,
    motion.backward,
    motion.backwardConfidence,
    options,
  );
  const backward = fillOccluded(
    motion.backward,
    motion.backwardConfidence,
    backwardOccluded,
    motion.forward,
    motion.forwardConfidence,
    options,
  );
  const forwardHiddenFrom = hiddenFrom(
    forward.flow,
    forward.replaced,
    motion.backward,
    motion.backwardConfidence,
  );
  const backwardHiddenFrom = hiddenFrom(
    backward.flow,
    backward.replaced,
    motion.forward,
    motion.forwardConfidence,
  );
  return {
    motion: { ...motion, forward: forward.flow, backward: backward.flow },
    marks: {
      ...(forward.replaced.includes(1) ? { forwardFilled: forward.replaced } : {}),
      ...(backward.replaced.includes(1) ? { backwardFilled: backward.replaced } : {}),
      ...(forwardHiddenFrom ? { forwardHiddenFrom } : {}),
      ...(backwardHiddenFrom ? { backwardHiddenFrom } : {}),
    },
  };
}

function globalFlow(h: Homography, like: FlowField): FlowField {
  const { width, height } = like;
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  homographyFlow(h, width, height, 1, 1, u, v);
  const out = createFlow(width, height);
  for (let i = 0; i < width * height; i++) {
    out.data[2 * i] = u[i];
    out.data[2 * i + 1] = v[i];
  }
  return out;
}

/** max(consistency, photometric match) per pixel: a vector that lands on a pixel that looks like its own is kept. */
function withMatches(confidence: Plane, flow: FlowField, from: Plane, to: Plane, sigma: number): Plane {
  const { width, height } = flow;
  const error = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      error[i] = Math.abs(from.data[i] - samplePlane(to, x + flow.data[2 * i], y + flow.data[2 * i + 1]));
    }
  }
  const mean = boxMean(error, width, height, 1);
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const q = mean[i] / sigma;
    out[i] = Math.max(confidence.data[i], Math.exp(-q * q));
  }
  return { width, height, data: out };
}

/** Share of pixels whose consistency confidence is over 0.5. */
export function confidentShare(confidence: Plane): number {
  let n = 0;
  for (const c of confidence.data) if (c > 0.5) n++;
  return n / confidence.data.length;
}

/**
 * regularised = measured + s (regularised - measured), in place, with s the pair's strength, raised towards 1
 * for vectors whose confidence is under `alwaysBelow` (clear failures of the consistency test, such as the
 * background about to be covered by a moving object: left as measured they carry it off with the object).
 */
function mixInto(
  regularised: FlowField,
  measured: FlowField,
  confidence: Plane,
  strength: number,
  alwaysBelow: number,
): void {
  if (strength >= 1) return;
  const r = regularised.data;
  const m = measured.data;
  const c = confidence.data;
  for (let i = 0; i < c.length; i++) {
    const failed = alwaysBelow > 0 ? Math.max(0, 1 - c[i] / alwaysBelow) : 0;
    const s = strength + (1 - strength) * failed;
    r[2 * i] = m[2 * i] + (r[2 * i] - m[2 * i]) * s;
    r[2 * i + 1] = m[2 * i + 1] + (r[2 * i + 1] - m[2 * i + 1]) * s;
  }
}
