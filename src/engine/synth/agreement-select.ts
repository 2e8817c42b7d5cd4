import type { Plane } from '../raster/types.js';

/** Channels of a candidate: [ft0x, ft0y, ft1x, ft1y] per pixel at the working resolution. */
export const CANDIDATE_CHANNELS = 4;

export interface AgreementOptions {
  /** Box radius over which the disagreement is summed; a single pixel is too noisy to judge a vector by. */
  readonly radius: number;
  /** Mean luma disagreement (0..255) by which a candidate's weight falls by e. */
  readonly sigma: number;
  /** Reused buffers from {@link createAgreementScratch}; allocated per call when absent. */
  readonly scratch?: AgreementScratch;
  /**
   * Where to write the result: `into[offset + i * stride + c]` for pixel i, channel c (0..3). Lets the caller
   * write straight into its interleaved fields. Default: a 4-channel array of the scratch.
   */
  readonly into?: { readonly data: Float32Array; readonly stride: number };
}

/** Working memory of {@link selectByAgreement} for n pixels. */
export interface AgreementScratch {
  readonly errorA: Float32Array;
  readonly errorB: Float32Array;
  readonly box: Float32Array;
  readonly meanA: Float32Array;
  readonly meanB: Float32Array;
  readonly out: Float32Array;
}

export function createAgreementScratch(n: number): AgreementScratch {
  return {
    errorA: new Float32Array(n),
    errorB: new Float32Array(n),
    box: new Float32Array(n),
    meanA: new Float32Array(n),
    meanB: new Float32Array(n),
    out: new Float32Array(n * CANDIDATE_CHANNELS),
  };
}

/**
 * Combines two hypotheses for the flows at time t into one, pixel by pixel, preferring the one under which the
 * two keyframes agree: if ft0 and ft1 are right, the start frame sampled at x + ft0 and the end frame sampled
 * at x + ft1 show the same point of the scene (bilateral consistency, as in bidirectional motion estimation).
 * The two are mixed softly, by a logistic of their difference in disagreement, so the choice has no seams.
 */
export function selectByAgreement(
  a: Float32Array,
  b: Float32Array,
  startLuma: Plane,
  endLuma: Plane,
  options: AgreementOptions,
): Float32Array {
  const { width, height } = startLuma;
  const n = width * height;
  const scratch = options.scratch ?? createAgreementScratch(n);
  disagreement(a, startLuma, endLuma, scratch.errorA);
  disagreement(b, startLuma, endLuma, scratch.errorB);
  const errorA = boxMean(scratch.errorA, width, height, options.radius, scratch.box, scratch.meanA);
  const errorB = boxMean(scratch.errorB, width, height, options.radius, scratch.box, scratch.meanB);
  const out = options.into?.data ?? scratch.out;
  const stride = options.into?.stride ?? CANDIDATE_CHANNELS;
  const k = 1 / options.sigma;
  for (let i = 0; i < n; i++) {
    // Softmax of -error / sigma over the two candidates, which is the logistic of their difference.
    const wa = 1 / (1 + Math.exp((errorA[i] - errorB[i]) * k));
    const o = i * CANDIDATE_CHANNELS;
    const w = i * stride;
    out[w] = b[o] + (a[o] - b[o]) * wa;
    out[w + 1] = b[o + 1] + (a[o + 1] - b[o + 1]) * wa;
    out[w + 2] = b[o + 2] + (a[o + 2] - b[o + 2]) * wa;
    out[w + 3] = b[o + 3] + (a[o + 3] - b[o + 3]) * wa;
  }
  return out;
}

/**
 * |start(x + ft0) - end(x + ft1)| per pixel, sampled at the nearest pixel: the box mean that follows smooths far
 * more than bilinear sampling would, at a quarter of the reads.
 */
function disagreement(candidate: Float32Array, startLuma: Plane, endLuma: Plane, out: Float32Array): void {
  const { width, height } = startLuma;
  const a = startLuma.data;
  const b = endLuma.data;
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const o = i * CANDIDATE_CHANNELS;
      let x0 = (x + candidate[o] + 0.5) | 0;
      let y0 = (y + candidate[o + 1] + 0.5) | 0;
      let x1 = (x + candidate[o + 2] + 0.5) | 0;
      let y1 = (y + candidate[o + 3] + 0.5) | 0;
      x0 = x0 < 0 ? 0 : x0 > maxX ? maxX : x0;
      y0 = y0 < 0 ? 0 : y0 > maxY ? maxY : y0;
      x1 = x1 < 0 ? 0 : x1 > maxX ? maxX : x1;
      y1 = y1 < 0 ? 0 : y1 > maxY ? maxY : y1;
      out[i] = Math.abs(a[y0 * width + x0] - b[y1 * width + x1]);
    }
  }
}

/** Mean over a (2r+1)^2 box, clamped at the borders, by two running-sum passes (O(n) whatever the radius). */
export function boxMean(
  values: Float32Array,
  width: number,
  height: number,
  radius: number,
  tmp: Float32Array = new Float32Array(values.length),
  out: Float32Array = new Float32Array(values.length),
): Float32Array {
  if (radius <= 0) return values;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    let count = 0;
    for (let x = 0; x <= Math.min(radius, width - 1); x++, count++) sum += values[row + x];
    for (let x = 0; x < width; x++) {
      tmp[row + x] = sum / count;
      const add = x + radius + 1;
      const drop = x - radius;
      if (add < width) {
        sum += values[row + add];
        count++;
      }
      if (drop >= 0) {
        sum -= values[row + drop];
        count--;
      }
    }
  }
  for (let x = 0; x < width; x++) {
    let sum = 0;
    let count = 0;
    for (let y = 0; y <= Math.min(radius, height - 1); y++, count++) sum += tmp[y * width + x];
    for (let y = 0; y < height; y++) {
      out[y * width + x] = sum / count;
      const add = y + radius + 1;
      const drop = y - radius;
      if (add < height) {
        sum += tmp[add * width + x];
        count++;
      }
      if (drop >= 0) {
        sum -= tmp[drop * width + x];
        count--;
      }
    }
  }
  return out;
}
