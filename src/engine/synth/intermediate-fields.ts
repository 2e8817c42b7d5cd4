import { fillHolesInPlace } from '../flow/fill-holes.js';
import type { FlowField, Homography, Plane } from '../raster/types.js';
import {
  CANDIDATE_CHANNELS,
  createAgreementScratch,
  selectByAgreement,
  type AgreementScratch,
} from './agreement-select.js';
import { splatPriority } from './splat-priority.js';
import { SPLAT_CHANNELS, splatToTime } from './splat-to-time.js';
import { DEFAULT_SPLAT_TUNING, type SplatTuning } from './splat-tuning.js';

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
  /**
   * 1 where the occlusion fill (flow/occlusion-fill.ts) replaced a pixel's vector by its background's (absent
   * where it replaced none): the
   * other keyframe does not show that pixel, and its motion is known now. Their confidence is already 1.
   * Where either keyframe's pixel at a place is one of them, the two keyframes show different things there, and
   * the linear flow hypothesis, which reads both keyframes' vectors at that place, mixes the occluder's motion
   * into the background's: the agreement test is not asked there, the splat is kept.
   */
  readonly forwardFilled?: Uint8Array;
  readonly backwardFilled?: Uint8Array;
  /**
   * For those pixels, the time (in each direction's own time: 0 at its keyframe, 1 at the other) from which
   * their occluder covers them (flow/occlusion-timing.ts); Infinity elsewhere, absent when none ever is. The
   * splat leaves them out from then on.
   */
  readonly forwardHiddenFrom?: Float32Array;
  readonly backwardHiddenFrom?: Float32Array;
}

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
  const { acc0, acc1, linear } = scratch;
  const forwardPriority = motion.forwardPriority ?? splatPriority(motion, 'forward', tuning);
  const backwardPriority = motion.backwardPriority ?? splatPriority(motion, 'backward', tuning);
  splatToTime(motion.forward, motion.forwardConfidence, forwardPriority, t, acc0, motion.forwardHiddenFrom);
  splatToTime(
    motion.backward,
    motion.backwardConfidence,
    backwardPriority,
    1 - t,
    acc1,
    motion.backwardHiddenFrom,
  );
  const { startLuma, endLuma } = motion;
  const agreement = startLuma && endLuma && tuning.agreementSigma > 0 && (motion.regularised ?? 0) < 1;

  const f01 = motion.forward.data;
  const f10 = motion.backward.data;
  const d = fields.data;
  // Each splat's flow (2 channels) and its cover for the hole fill, written where they are known: the fill
  // then works on them in place, with no copy in and out of a flow field.
  const s0 = scratch.splat0.data;
  const s1 = scratch.splat1.data;
  const c0 = scratch.cover0.data;
  const c1 = scratch.cover1.data;
  let holes0 = 0;
  let holes1 = 0;
  const a = (1 - t) * t;
  const b = (1 - t) * (1 - t);
  for (let i = 0; i < n; i++) {
    const j = SPLAT_CHANNELS * i;
    const q = 2 * i;
    const fx01 = f01[q];
    const fy01 = f01[q + 1];
    const fx10 = f10[q];
    const fy10 = f10[q + 1];
    // Super SloMo's approximation, the flows at x as if x's neighbourhood moved uniformly: the agreement test
    // weighs it against the splat everywhere; without the test it only stands in for a splat's holes.
    if (agreement) {
      const l = CANDIDATE_CHANNELS * i;
      linear[l] = -a * fx01 + t * t * fx10;
      linear[l + 1] = -a * fy01 + t * t * fy10;
      linear[l + 2] = b * fx01 - a * fx10;
      linear[l + 3] = b * fy01 - a * fy10;
    }
    let w0 = 0;
    let seen0 = 0;
    const weight0 = acc0[j + 3];
    if (weight0 > 1e-6) {
      s0[q] = acc0[j] / weight0;
      s0[q + 1] = acc0[j + 1] / weight0;
      const confidence = acc0[j + 2] / weight0;
      const cover = acc0[j + 4];
      seen0 = Math.min(1, cover / fullCoverage);
      w0 = seen0 * (confidenceFloor + (1 - confidenceFloor) * confidence);
      c0[i] = Math.min(1, cover);
      if (cover < 1) holes0++;
    } else {
      s0[q] = -a * fx01 + t * t * fx10;
      s0[q + 1] = -a * fy01 + t * t * fy10;
      c0[i] = 0;
      holes0++;
    }
    let w1 = 0;
    let seen1 = 0;
    const weight1 = acc1[j + 3];
    if (weight1 > 1e-6) {
      s1[q] = acc1[j] / weight1;
      s1[q + 1] = acc1[j + 1] / weight1;
      const confidence = acc1[j + 2] / weight1;
      const cover = acc1[j + 4];
      seen1 = Math.min(1, cover / fullCoverage);
      w1 = seen1 * (confidenceFloor + (1 - confidenceFloor) * confidence);
      c1[i] = Math.min(1, cover);
      if (cover < 1) holes1++;
    } else {
      s1[q] = b * fx01 - a * fx10;
      s1[q + 1] = b * fy01 - a * fy10;
      c1[i] = 0;
      holes1++;
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
    const fill = { trusted: tuning.holeFillTrusted, minConfidence: HOLE_FILL_MIN_COVER };
    if (holes0 > 0) fillHolesInPlace(scratch.splat0, scratch.cover0, fill);
    if (holes1 > 0) fillHolesInPlace(scratch.splat1, scratch.cover1, fill);
  }
  if (agreement) {
    const { splat } = scratch;
    for (let i = 0; i < n; i++) {
      const j = CANDIDATE_CHANNELS * i;
      splat[j] = s0[2 * i];
      splat[j + 1] = s0[2 * i + 1];
      splat[j + 2] = s1[2 * i];
      splat[j + 3] = s1[2 * i + 1];
    }
    selectByAgreement(splat, linear, startLuma, endLuma, {
      radius: tuning.agreementRadius,
      sigma: tuning.agreementSigma,
      scratch: scratch.agreement,
      into: { data: d, stride: FIELD_CHANNELS },
    });
    keepSplatWhereFilled(motion, splat, d, n);
  } else {
    for (let i = 0; i < n; i++) {
      const k = FIELD_CHANNELS * i;
      d[k] = s0[2 * i];
      d[k + 1] = s0[2 * i + 1];
      d[k + 2] = s1[2 * i];
      d[k + 3] = s1[2 * i + 1];
    }
  }
  return fields;
}

/** The splatted hypothesis back where either keyframe's pixel is one the occlusion fill replaced (PairMotion). */
function keepSplatWhereFilled(motion: PairMotion, splat: Float32Array, d: Float32Array, n: number): void {
  const { forwardFilled: start, backwardFilled: end } = motion;
  if (!start && !end) return;
  for (let i = 0; i < n; i++) {
    if (!start?.[i] && !end?.[i]) continue;
    const k = FIELD_CHANNELS * i;
    const j = CANDIDATE_CHANNELS * i;
    d[k] = splat[j];
    d[k + 1] = splat[j + 1];
    d[k + 2] = splat[j + 2];
    d[k + 3] = splat[j + 3];
  }
}

/** Per-pixel working memory of {@link intermediateFields}, kept between calls of the same size. */
interface Scratch {
  readonly n: number;
  readonly width: number;
  /** {@link SPLAT_CHANNELS} per pixel, one accumulator per splat direction. */
  readonly acc0: Float32Array;
  readonly acc1: Float32Array;
  /** Each splat's flow at time t, and its cover clamped to 1 (0 where nothing landed). */
  readonly splat0: FlowField;
  readonly splat1: FlowField;
  readonly cover0: Plane;
  readonly cover1: Plane;
  /** The two hypotheses the agreement test weighs, 4 channels per pixel. */
  readonly splat: Float32Array;
  readonly linear: Float32Array;
  readonly agreement: AgreementScratch;
}

// A render draws many frames of one size on each thread, and the function runs to completion before the next
// call, so one set of buffers per thread saves the garbage collector ~15 MB a frame.
let scratch: Scratch | null = null;

function scratchFor(n: number, width: number, height: number): Scratch {
  if (scratch?.n !== n || scratch.width !== width) {
    const flow = (): FlowField => ({ width, height, data: new Float32Array(2 * n) });
    const plane = (): Plane => ({ width, height, data: new Float32Array(n) });
    scratch = {
      n,
      width,
      acc0: new Float32Array(n * SPLAT_CHANNELS),
      acc1: new Float32Array(n * SPLAT_CHANNELS),
      splat0: flow(),
      splat1: flow(),
      cover0: plane(),
      cover1: plane(),
      splat: new Float32Array(n * CANDIDATE_CHANNELS),
      linear: new Float32Array(n * CANDIDATE_CHANNELS),
      agreement: createAgreementScratch(n),
    };
  } else {
    // Everything else is overwritten whole by every call.
    scratch.acc0.fill(0);
    scratch.acc1.fill(0);
  }
  return scratch;
}

/** Splat cover under which a pixel's splatted vector takes no part in filling the holes around it. */
const HOLE_FILL_MIN_COVER = 0.05;
