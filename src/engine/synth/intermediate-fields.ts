import { regulariseFlow, type RegulariseOptions } from '../flow/regularise-flow.js';
import type { FlowField, Homography, Plane } from '../raster/types.js';
import {
  CANDIDATE_CHANNELS,
  createAgreementScratch,
  selectByAgreement,
  type AgreementScratch,
} from './agreement-select.js';

/** Channels of {@link IntermediateFields}, interleaved per pixel. */
export const FIELD_CHANNELS = 6;

/**
 * Everything the full-resolution warp needs for one output time t, at the working resolution:
 * per pixel [ft0x, ft0y, ft1x, ft1y, w0, w1]. ft0 points from the frame at time t into the start frame,
 * ft1 into the end frame; w0 and w1 are the blend weights of the two warped frames (time and visibility
 * already folded in, not normalised).
 */
export interface IntermediateFields {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** The motion between the two keyframes, measured once per pair at the working resolution. */
export interface PairMotion {
  /** start -> end */
  readonly forward: FlowField;
  /** end -> start */
  readonly backward: FlowField;
  /** 0..1 trust in `forward` per start-frame pixel (forward/backward consistency). */
  readonly forwardConfidence: Plane;
  /** 0..1 trust in `backward` per end-frame pixel. */
  readonly backwardConfidence: Plane;
  /**
   * The global (camera) motion start -> end at the working resolution, when one was found. Pixels that move
   * unlike it are taken to be in front where two splats collide: independently moving things are usually
   * nearer the camera than the scene they move across, and the two keyframes alone cannot tell otherwise.
   */
  readonly globalMotion?: Homography | null;
  /** {@link splatPriority} of each direction, computed once per clip; computed per call when absent. */
  readonly forwardPriority?: Float32Array;
  readonly backwardPriority?: Float32Array;
  /** The keyframes' luma at the working resolution, to test flow hypotheses against; optional. */
  readonly startLuma?: Plane;
  readonly endLuma?: Plane;
  /**
   * 'dissolve' when matching found nothing to follow between the keyframes (a cut): the frames are then an eased
   * camera move and cross-fade, not a warp of meaningless vectors. Absent or 'warp': the motion is followed.
   */
  readonly transition?: 'warp' | 'dissolve';
  /**
   * How far the flows were regularised (render/regularise-motion.ts), 0..1. Fully regularised flows are smooth
   * by construction, and picking per pixel between two hypotheses of them would only bring the seams back.
   */
  readonly regularised?: number;
}

/** The knobs of the splatting synthesis; the defaults are the ones bench/quality.ts measured best. */
export interface SplatTuning {
  /**
   * How strongly a confident source pixel wins over an unconfident one landing on the same spot. A pixel that
   * fails the consistency check is usually background about to be covered, so the occluder must win clearly.
   */
  readonly prioritySharpness: number;
  /** Priority gained per unit of deviation from the global motion. */
  readonly foregroundSharpness: number;
  /** Deviation from the global motion that counts as one unit, as a fraction of the working diagonal. */
  readonly deviationUnit: number;
  /** Deviation beyond which a pixel is no more "in front" than it already is. */
  readonly maxDeviationUnits: number;
  /** Share of the blend weight kept by a visible pixel whose flow is not trusted, so weights never collapse. */
  readonly confidenceFloor: number;
  /** Splat coverage at which a pixel counts as fully visible; bilinear splats of a stretched region sum below 1. */
  readonly fullCoverage: number;
  /** Weight left to a frame where it sees nothing, so a pixel both splats missed still gets a time-based blend. */
  readonly holeWeight: number;
  /** Box radius of the agreement test between the splatted and the linear flow hypotheses (0 = per pixel). */
  readonly agreementRadius: number;
  /** Softness of that choice in luma levels; 0 turns the test off and keeps the splatted flows. */
  readonly agreementSigma: number;
  /**
   * Fill the flow where a splat left a hole (or a thin cover) from the splatted flow around it, instead of
   * the linear approximation: an expanding region (a push-in) splats apart, and switching between the two
   * kinds of vector at every hole tears the picture into stripes.
   */
  readonly fillHoles: boolean;
  /** Splat cover at and above which a vector is kept as splatted when holes are filled. */
  readonly holeFillTrusted: number;
}

export const DEFAULT_SPLAT_TUNING: SplatTuning = {
  prioritySharpness: 8,
  foregroundSharpness: 2,
  deviationUnit: 0.01,
  maxDeviationUnits: 4,
  confidenceFloor: 0.35,
  fullCoverage: 0.8,
  // 0.2 measures +0.1 dB on DAVIS, but ghosts a moved occluder where it was (render-frame.test.ts): keep low.
  holeWeight: 0.02,
  agreementRadius: 2,
  agreementSigma: 4,
  fillHoles: true,
  holeFillTrusted: 0.8,
};

/**
 * Builds the fields for time t by forward-splatting each keyframe's flow to time t (softmax splatting with a
 * confidence priority, after Niklaus and Liu, CVPR 2020). Splatting, unlike sampling the flow at the target
 * pixel, moves each pixel's motion to where that pixel actually is at time t, so large motions do not ghost,
 * and a region nobody lands on is exactly a region that frame cannot see (an occlusion). Where a splat leaves a
 * hole, the flow falls back to Super SloMo's linear approximation so the field stays smooth for the upsampler.
 */
export function intermediateFields(
  motion: PairMotion,
  t: number,
  tuning: SplatTuning = DEFAULT_SPLAT_TUNING,
  out?: IntermediateFields,
): IntermediateFields {
  const { confidenceFloor, fullCoverage, holeWeight } = tuning;
  const { width, height } = motion.forward;
  const n = width * height;
  const fields = out ?? { width, height, data: new Float32Array(n * FIELD_CHANNELS) };
  const scratch = scratchFor(n, width, height);
  const { acc0, acc1, cover0, cover1, splat, linear } = scratch;
  const forwardPriority = motion.forwardPriority ?? splatPriority(motion, 'forward', tuning);
  const backwardPriority = motion.backwardPriority ?? splatPriority(motion, 'backward', tuning);
  splatToTime(motion.forward, motion.forwardConfidence, forwardPriority, t, acc0, cover0);
  splatToTime(motion.backward, motion.backwardConfidence, backwardPriority, 1 - t, acc1, cover1);

  const f01 = motion.forward.data;
  const f10 = motion.backward.data;
  const d = fields.data;
  const a = (1 - t) * t;
  const b = (1 - t) * (1 - t);
  for (let i = 0; i < n; i++) {
    const j = 4 * i;
    const fx01 = f01[2 * i];
    const fy01 = f01[2 * i + 1];
    const fx10 = f10[2 * i];
    const fy10 = f10[2 * i + 1];
    // Super SloMo's approximation: the flows at x as if x's neighbourhood moved uniformly.
    linear[j] = -a * fx01 + t * t * fx10;
    linear[j + 1] = -a * fy01 + t * t * fy10;
    linear[j + 2] = b * fx01 - a * fx10;
    linear[j + 3] = b * fy01 - a * fy10;
    let w0 = 0;
    let seen0 = 0;
    if (acc0[j + 3] > 1e-6) {
      splat[j] = acc0[j] / acc0[j + 3];
      splat[j + 1] = acc0[j + 1] / acc0[j + 3];
      const confidence = acc0[j + 2] / acc0[j + 3];
      seen0 = Math.min(1, cover0[i] / fullCoverage);
      w0 = seen0 * (confidenceFloor + (1 - confidenceFloor) * confidence);
    } else {
      splat[j] = linear[j];
      splat[j + 1] = linear[j + 1];
    }
    let w1 = 0;
    let seen1 = 0;
    if (acc1[j + 3] > 1e-6) {
      splat[j + 2] = acc1[j] / acc1[j + 3];
      splat[j + 3] = acc1[j + 1] / acc1[j + 3];
      const confidence = acc1[j + 2] / acc1[j + 3];
      seen1 = Math.min(1, cover1[i] / fullCoverage);
      w1 = seen1 * (confidenceFloor + (1 - confidenceFloor) * confidence);
    } else {
      splat[j + 2] = linear[j + 2];
      splat[j + 3] = linear[j + 3];
    }
    // The hole weight keeps a pixel neither keyframe sees drawn by both (a fade), but what one keyframe sees
    // and the other does not (a disocclusion) comes from that one alone, whatever its confidence: else a
    // ghost of the moved object stays where it was.
    w0 += holeWeight * (1 - seen1);
    w1 += holeWeight * (1 - seen0);
    const k = FIELD_CHANNELS * i;
    d[k + 4] = (1 - t) * w0;
    d[k + 5] = t * w1;
  }
  if (tuning.fillHoles) {
    fillSplatHoles(splat, 0, cover0, acc0, scratch, tuning.holeFillTrusted);
    fillSplatHoles(splat, 2, cover1, acc1, scratch, tuning.holeFillTrusted);
  }
  const { startLuma, endLuma } = motion;
  if (startLuma && endLuma && tuning.agreementSigma > 0 && (motion.regularised ?? 0) < 1) {
    selectByAgreement(splat, linear, startLuma, endLuma, {
      radius: tuning.agreementRadius,
      sigma: tuning.agreementSigma,
      scratch: scratch.agreement,
      into: { data: d, stride: FIELD_CHANNELS },
    });
  } else {
    for (let i = 0; i < n; i++) {
      const j = CANDIDATE_CHANNELS * i;
      const k = FIELD_CHANNELS * i;
      d[k] = splat[j];
      d[k + 1] = splat[j + 1];
      d[k + 2] = splat[j + 2];
      d[k + 3] = splat[j + 3];
    }
  }
  return fields;
}

/** Per-pixel working memory of {@link intermediateFields}, kept between calls of the same size. */
interface Scratch {
  readonly n: number;
  readonly acc0: Float32Array;
  readonly acc1: Float32Array;
  readonly cover0: Float32Array;
  readonly cover1: Float32Array;
  readonly splat: Float32Array;
  readonly linear: Float32Array;
  readonly agreement: AgreementScratch;
  readonly holeFlow: FlowField;
  readonly holeCover: Plane;
  readonly flat: Plane;
}

// A render draws many frames of one size on each thread, and the function runs to completion before the next
// call, so one set of buffers per thread saves the garbage collector ~15 MB a frame.
let scratch: Scratch | null = null;

function scratchFor(n: number, width: number, height: number): Scratch {
  if (scratch?.n !== n || scratch.holeFlow.width !== width) {
    scratch = {
      n,
      acc0: new Float32Array(n * 4),
      acc1: new Float32Array(n * 4),
      cover0: new Float32Array(n),
      cover1: new Float32Array(n),
      splat: new Float32Array(n * CANDIDATE_CHANNELS),
      linear: new Float32Array(n * CANDIDATE_CHANNELS),
      agreement: createAgreementScratch(n),
      holeFlow: { width, height, data: new Float32Array(2 * n) },
      holeCover: { width, height, data: new Float32Array(n) },
      flat: { width, height, data: new Float32Array(n) },
    };
  } else {
    scratch.acc0.fill(0);
    scratch.acc1.fill(0);
    scratch.cover0.fill(0);
    scratch.cover1.fill(0);
  }
  return scratch;
}

/**
 * Each source pixel's splatting priority, independent of t, so it is computed once per clip: confident pixels
 * win over unconfident ones, and pixels that move unlike the global motion win over those that follow it.
 */
export function splatPriority(
  motion: PairMotion,
  direction: 'forward' | 'backward',
  tuning = DEFAULT_SPLAT_TUNING,
): Float32Array {
  const flow = direction === 'forward' ? motion.forward : motion.backward;
  const confidence = direction === 'forward' ? motion.forwardConfidence : motion.backwardConfidence;
  const global = motion.globalMotion ?? null;
  const h = global === null ? IDENTITY : direction === 'forward' ? global : invert3x3(global);
  const { width, height, data } = flow;
  const conf = confidence.data;
  const unit = tuning.deviationUnit * Math.hypot(width, height);
  const { prioritySharpness, foregroundSharpness, maxDeviationUnits } = tuning;
  const priority = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const w = h[6] * x + h[7] * y + h[8];
      const deviation = Math.hypot(
        x + data[2 * i] - (h[0] * x + h[1] * y + h[2]) / w,
        y + data[2 * i + 1] - (h[3] * x + h[4] * y + h[5]) / w,
      );
      const front = Math.min(maxDeviationUnits, deviation / unit);
      priority[i] = Math.exp(prioritySharpness * (conf[i] - 1) + foregroundSharpness * front);
    }
  }
  return priority;
}

/**
 * Splats each source pixel p to p + s * F(p) with bilinear weights times its priority, accumulating the vector
 * pointing back to p (-s * F(p)), the confidence, and the plain bilinear coverage.
 */
function splatToTime(
  flow: FlowField,
  confidence: Plane,
  priority: Float32Array,
  s: number,
  acc: Float32Array,
  cover: Float32Array,
): void {
  const { width, height, data } = flow;
  const conf = confidence.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const fx = data[2 * i];
      const fy = data[2 * i + 1];
      const tx = x + s * fx;
      const ty = y + s * fy;
      if (!(tx > -1 && ty > -1 && tx < width && ty < height)) continue;
      const c = conf[i];
      const p = priority[i];
      const vx = -s * fx;
      const vy = -s * fy;
      const x0 = Math.floor(tx);
      const y0 = Math.floor(ty);
      const ax = tx - x0;
      const ay = ty - y0;
      const left = x0 >= 0;
      const right = x0 + 1 < width;
      const top = y0 >= 0;
      const bottom = y0 + 1 < height;
      if (top && left) deposit(acc, cover, y0 * width + x0, (1 - ax) * (1 - ay), p, vx, vy, c);
      if (top && right) deposit(acc, cover, y0 * width + x0 + 1, ax * (1 - ay), p, vx, vy, c);
      if (bottom && left) deposit(acc, cover, (y0 + 1) * width + x0, (1 - ax) * ay, p, vx, vy, c);
      if (bottom && right) deposit(acc, cover, (y0 + 1) * width + x0 + 1, ax * ay, p, vx, vy, c);
    }
  }
}

function deposit(
  acc: Float32Array,
  cover: Float32Array,
  target: number,
  bilinear: number,
  priority: number,
  vx: number,
  vy: number,
  confidence: number,
): void {
  const weight = bilinear * priority;
  const j = 4 * target;
  acc[j] += weight * vx;
  acc[j + 1] += weight * vy;
  acc[j + 2] += weight * confidence;
  acc[j + 3] += weight;
  cover[target] += bilinear;
}

const IDENTITY: Homography = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);

/** Inverse of a 3x3 matrix (the end -> start global motion from the start -> end one). */
function invert3x3(m: Homography): Homography {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) return IDENTITY;
  const k = 1 / det;
  return new Float64Array([
    A * k,
    -(b * i - c * h) * k,
    (b * f - c * e) * k,
    B * k,
    (a * i - c * g) * k,
    -(a * f - c * d) * k,
    C * k,
    -(a * h - b * g) * k,
    (a * e - b * d) * k,
  ]);
}

/** Holes and thin covers of one splat (channels `offset`, `offset + 1` of the candidates) filled from around. */
function fillSplatHoles(
  splat: Float32Array,
  offset: number,
  cover: Float32Array,
  acc: Float32Array,
  scratch: Scratch,
  trusted: number,
): void {
  const { holeFlow, holeCover, flat } = scratch;
  const n = cover.length;
  const f = holeFlow.data;
  const c = holeCover.data;
  let holes = 0;
  for (let i = 0; i < n; i++) {
    const j = CANDIDATE_CHANNELS * i;
    f[2 * i] = splat[j + offset];
    f[2 * i + 1] = splat[j + offset + 1];
    const covered = acc[j + 3] > 1e-6 ? Math.min(1, cover[i]) : 0;
    c[i] = covered;
    if (covered < 1) holes++;
  }
  if (holes === 0) return;
  const filled = regulariseFlow(holeFlow, holeCover, flat, null, { ...HOLE_FILL, trusted }, holeFlow).data;
  for (let i = 0; i < n; i++) {
    const j = CANDIDATE_CHANNELS * i;
    splat[j + offset] = filled[2 * i];
    splat[j + offset + 1] = filled[2 * i + 1];
  }
}

/** The luma plane is flat, so no edges steer the fill: the splat is already layered by its priorities. */
const HOLE_FILL: RegulariseOptions = { trusted: 0.5, lumaSigma: 1e6, priorWeight: 0, minConfidence: 0.05 };
