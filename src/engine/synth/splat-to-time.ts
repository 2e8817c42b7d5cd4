import type { FlowField, Plane } from '../raster/types.js';

/**
 * Channels of a splat accumulator, interleaved per target pixel: the priority-weighted sums of the vector back
 * to the source (x, y) and of the source's confidence, the sum of the weights, and the plain bilinear coverage.
 * Coverage lives beside the sums, not in an array of its own, so each deposit writes one run of memory.
 */
export const SPLAT_CHANNELS = 5;

/** Half-width, in the splat's time, of the fade of a pixel its occluder covers: one step of occlusion-timing.ts. */
const HIDE_RAMP = 1 / 32;

/**
 * Splats each source pixel p to p + s * F(p) with bilinear weights times its priority, accumulating into `acc`
 * (zeroed by the caller, {@link SPLAT_CHANNELS} per pixel) the vector pointing back to p (-s * F(p)), the
 * confidence, the weight and the plain bilinear coverage.
 */
export function splatToTime(
  flow: FlowField,
  confidence: Plane,
  priority: Float32Array,
  s: number,
  acc: Float32Array,
  hidden?: Float32Array,
): void {
  const { width, height, data } = flow;
  const conf = confidence.data;
  const row = SPLAT_CHANNELS * width;
  // The four deposits are written out by hand: this runs for every pixel twice a frame, and a helper call per
  // corner cost more than the arithmetic it does.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const fx = data[2 * i];
      const fy = data[2 * i + 1];
      const tx = x + s * fx;
      const ty = y + s * fy;
      if (!(tx > -1 && ty > -1 && tx < width && ty < height)) continue;
      const c = conf[i];
      let p = priority[i];
      // A pixel its occluder covers by now (occlusion-timing.ts) is not there to be seen: it fades out of the
      // splat over a step either side of the time it is covered.
      let seen = 1;
      if (hidden !== undefined && hidden[i] < s + HIDE_RAMP) {
        if (hidden[i] <= s - HIDE_RAMP) continue;
        seen = (hidden[i] - s + HIDE_RAMP) / (2 * HIDE_RAMP);
        p *= seen;
      }
      const vx = -s * fx;
      const vy = -s * fy;
      // tx and ty lie in (-1, side): truncation is the floor there except on (-1, 0), whose floor is -1.
      const x0 = tx < 0 ? -1 : tx | 0;
      const y0 = ty < 0 ? -1 : ty | 0;
      const ax = tx - x0;
      const ay = ty - y0;
      const j = SPLAT_CHANNELS * (y0 * width + x0);
      const bx = 1 - ax;
      const by = 1 - ay;
      // Almost every target lies inside with all four corners: one test for them, and the corners' sums
      // written in a straight run; only the border pays for testing each corner.
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
        let bilinear = bx * by;
        let weight = bilinear * p;
        acc[j] += weight * vx;
        acc[j + 1] += weight * vy;
        acc[j + 2] += weight * c;
        acc[j + 3] += weight;
        acc[j + 4] += bilinear * seen;
        bilinear = ax * by;
        weight = bilinear * p;
        acc[j + 5] += weight * vx;
        acc[j + 6] += weight * vy;
        acc[j + 7] += weight * c;
        acc[j + 8] += weight;
        acc[j + 9] += bilinear * seen;
        const k = j + row;
        bilinear = bx * ay;
        weight = bilinear * p;
        acc[k] += weight * vx;
        acc[k + 1] += weight * vy;
        acc[k + 2] += weight * c;
        acc[k + 3] += weight;
        acc[k + 4] += bilinear * seen;
        bilinear = ax * ay;
        weight = bilinear * p;
        acc[k + 5] += weight * vx;
        acc[k + 6] += weight * vy;
        acc[k + 7] += weight * c;
        acc[k + 8] += weight;
        acc[k + 9] += bilinear * seen;
        continue;
      }
      const left = x0 >= 0;
      const right = x0 + 1 < width;
      const top = y0 >= 0;
      const bottom = y0 + 1 < height;
      if (top && left) {
        const bilinear = bx * by;
        const weight = bilinear * p;
        acc[j] += weight * vx;
        acc[j + 1] += weight * vy;
        acc[j + 2] += weight * c;
        acc[j + 3] += weight;
        acc[j + 4] += bilinear * seen;
      }
      if (top && right) {
        const k = j + SPLAT_CHANNELS;
        const bilinear = ax * by;
        const weight = bilinear * p;
        acc[k] += weight * vx;
        acc[k + 1] += weight * vy;
        acc[k + 2] += weight * c;
        acc[k + 3] += weight;
        acc[k + 4] += bilinear * seen;
      }
      if (bottom && left) {
        const k = j + row;
        const bilinear = bx * ay;
        const weight = bilinear * p;
        acc[k] += weight * vx;
        acc[k + 1] += weight * vy;
        acc[k + 2] += weight * c;
        acc[k + 3] += weight;
        acc[k + 4] += bilinear * seen;
      }
      if (bottom && right) {
        const k = j + row + SPLAT_CHANNELS;
        const bilinear = ax * ay;
        const weight = bilinear * p;
        acc[k] += weight * vx;
        acc[k + 1] += weight * vy;
        acc[k + 2] += weight * c;
        acc[k + 3] += weight;
        acc[k + 4] += bilinear * seen;
      }
    }
  }
}
