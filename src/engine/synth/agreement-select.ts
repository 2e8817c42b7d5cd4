import type { Plane } from '../raster/types.js';

/** Channels of a candidate: [ft0x, ft0y, ft1x, ft1y] per pixel at the working resolution. */
export const CANDIDATE_CHANNELS = 4;

export interface AgreementOptions {
  /** Box radius over which the disagreement is summed; a single pixel is too noisy to judge a vector by. */
  readonly radius: number;
  /** Mean luma disagreement (0..255) by which a candidate's weight falls by e. */
  readonly sigma: number;
}

/**
 * Combines several hypotheses for the flows at time t into one, pixel by pixel, preferring the one under which
 * the two keyframes agree: if ft0 and ft1 are right, the start frame sampled at x + ft0 and the end frame
 * sampled at x + ft1 show the same point of the scene (bilateral consistency, as in bidirectional motion
 * estimation). Candidates are mixed softly, by exp(-disagreement / sigma), so the choice has no seams.
 */
export function selectByAgreement(
  candidates: readonly Float32Array[],
  startLuma: Plane,
  endLuma: Plane,
  options: AgreementOptions,
): Float32Array {
  const { width, height } = startLuma;
  const n = width * height;
  const errors = candidates.map((candidate) =>
    boxMean(disagreement(candidate, startLuma, endLuma), width, height, options.radius),
  );
  const out = new Float32Array(n * CANDIDATE_CHANNELS);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (const e of errors) best = Math.min(best, e[i]);
    let total = 0;
    const o = i * CANDIDATE_CHANNELS;
    for (let k = 0; k < candidates.length; k++) {
      const w = Math.exp(-(errors[k][i] - best) / options.sigma);
      total += w;
      const c = candidates[k];
      for (let ch = 0; ch < CANDIDATE_CHANNELS; ch++) out[o + ch] += w * c[o + ch];
    }
    for (let ch = 0; ch < CANDIDATE_CHANNELS; ch++) out[o + ch] /= total;
  }
  return out;
}

/** |start(x + ft0) - end(x + ft1)| per pixel. */
function disagreement(candidate: Float32Array, startLuma: Plane, endLuma: Plane): Float32Array {
  const { width, height } = startLuma;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const o = i * CANDIDATE_CHANNELS;
      const a = bilinear(startLuma, x + candidate[o], y + candidate[o + 1]);
      const b = bilinear(endLuma, x + candidate[o + 2], y + candidate[o + 3]);
      out[i] = Math.abs(a - b);
    }
  }
  return out;
}

function bilinear(plane: Plane, x: number, y: number): number {
  const { width, height, data } = plane;
  const cx = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
  const cy = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
  const x0 = cx | 0;
  const y0 = cy | 0;
  const x1 = x0 + 1 < width ? x0 + 1 : x0;
  const y1 = y0 + 1 < height ? y0 + 1 : y0;
  const ax = cx - x0;
  const ay = cy - y0;
  const top = data[y0 * width + x0] * (1 - ax) + data[y0 * width + x1] * ax;
  const bottom = data[y1 * width + x0] * (1 - ax) + data[y1 * width + x1] * ax;
  return top * (1 - ay) + bottom * ay;
}

/** Mean over a (2r+1)^2 box, clamped at the borders, by two running-sum passes (O(n) whatever the radius). */
export function boxMean(values: Float32Array, width: number, height: number, radius: number): Float32Array {
  if (radius <= 0) return values;
  const tmp = new Float32Array(values.length);
  const out = new Float32Array(values.length);
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
