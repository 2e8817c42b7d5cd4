import type { FlowField, Homography, Plane } from '../raster/types.js';
import type { PairMotion } from './intermediate-fields.js';
import { withSplatPriorities } from './splat-priority.js';

/**
 * Longest side of the grid the warp fields are splatted on. Flow is measured at up to 480 px (render/
 * analyse-pair.ts), but the fields drawn from it gain nothing measurable from more than 320: with the pair's
 * motion halved to 240 px for the fields, DAVIS scored 26.56 dB against 26.54, UCF101 34.31 as before and the
 * street gaps within 0.05 dB, while the splat, the hole fill and the agreement test, half of a frame's CPU,
 * do a quarter of the work. The price is a softer edge where an object uncovers background (ghosting on the
 * sample tunnel 7.94 luma levels against 7.50; bench/RESULTS.md, sixth session). The drawing resamples the
 * fields to the output size either way.
 */
export const FIELD_MAX_SIDE = 320;

/**
 * The pair's motion on the grid its warp fields are computed on: halved (2x2 blocks) until its longest side
 * is at most `maxSide`, or `motion` itself when it already is. Vectors (shrunk with the grid), confidences
 * and luma are block means; a block is filled where any of its pixels is, and hidden from the earliest of
 * their times. Taking each block's vector from its highest-priority pixel instead, to keep an object's edge
 * from a mean of its and the background's motion, measured no better (DAVIS 26.311 against 26.316).
 */
export function fieldMotion(motion: PairMotion, maxSide = FIELD_MAX_SIDE): PairMotion {
  let out = motion;
  while (Math.max(out.forward.width, out.forward.height) > maxSide) out = halveMotion(out);
  // Priorities depend on confidence and on the deviation from the global motion relative to the grid's
  // diagonal, so they belong to the grid the fields are splatted on: computed here once per clip, on it, and
  // not once per frame. The motion analysis leaves them to this.
  return withSplatPriorities(out);
}

function halveMotion(motion: PairMotion): PairMotion {
  const { width, height } = motion.forward;
  const grid = halfGrid(width, height);
  const halved: PairMotion = {
    ...motion,
    forward: halveFlow(motion.forward, grid),
    backward: halveFlow(motion.backward, grid),
    forwardConfidence: halvePlane(motion.forwardConfidence, grid),
    backwardConfidence: halvePlane(motion.backwardConfidence, grid),
    globalMotion: motion.globalMotion ? scaleHomography(motion.globalMotion, grid) : motion.globalMotion,
    startLuma: motion.startLuma && halvePlane(motion.startLuma, grid),
    endLuma: motion.endLuma && halvePlane(motion.endLuma, grid),
    forwardFilled: motion.forwardFilled && halveMask(motion.forwardFilled, grid),
    backwardFilled: motion.backwardFilled && halveMask(motion.backwardFilled, grid),
    forwardHiddenFrom: motion.forwardHiddenFrom && halveEarliest(motion.forwardHiddenFrom, grid),
    backwardHiddenFrom: motion.backwardHiddenFrom && halveEarliest(motion.backwardHiddenFrom, grid),
    forwardPriority: undefined,
    backwardPriority: undefined,
  };
  return halved;
}

/** The half-size grid (rounded up, so no pixel is dropped) and the grid it halves. */
interface HalfGrid {
  readonly width: number;
  readonly height: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

function halfGrid(sourceWidth: number, sourceHeight: number): HalfGrid {
  return {
    width: Math.ceil(sourceWidth / 2),
    height: Math.ceil(sourceHeight / 2),
    sourceWidth,
    sourceHeight,
  };
}

/**
 * Calls `visit` for each block with its index on the half grid and its four source pixels' indices, clamped at
 * an odd border: a border block repeats its pixels, which leaves a mean, a maximum and a minimum as they are.
 */
function forEachBlock(
  grid: HalfGrid,
  visit: (block: number, a: number, b: number, c: number, d: number) => void,
): void {
  const { sourceWidth: sw, sourceHeight: sh } = grid;
  for (let y = 0; y < grid.height; y++) {
    const top = 2 * y * sw;
    const bottom = Math.min(2 * y + 1, sh - 1) * sw;
    for (let x = 0; x < grid.width; x++) {
      const left = 2 * x;
      const right = Math.min(left + 1, sw - 1);
      visit(y * grid.width + x, top + left, top + right, bottom + left, bottom + right);
    }
  }
}

function halveFlow(flow: FlowField, grid: HalfGrid): FlowField {
  const data = new Float32Array(2 * grid.width * grid.height);
  const f = flow.data;
  const sx = 0.25 * (grid.width / grid.sourceWidth);
  const sy = 0.25 * (grid.height / grid.sourceHeight);
  forEachBlock(grid, (j, a, b, c, d) => {
    data[2 * j] = (f[2 * a] + f[2 * b] + f[2 * c] + f[2 * d]) * sx;
    data[2 * j + 1] = (f[2 * a + 1] + f[2 * b + 1] + f[2 * c + 1] + f[2 * d + 1]) * sy;
  });
  return { width: grid.width, height: grid.height, data };
}

function halvePlane(plane: Plane, grid: HalfGrid): Plane {
  const data = new Float32Array(grid.width * grid.height);
  const p = plane.data;
  forEachBlock(grid, (j, a, b, c, d) => {
    data[j] = 0.25 * (p[a] + p[b] + p[c] + p[d]);
  });
  return { width: grid.width, height: grid.height, data };
}

function halveMask(mask: Uint8Array, grid: HalfGrid): Uint8Array {
  const out = new Uint8Array(grid.width * grid.height);
  forEachBlock(grid, (j, a, b, c, d) => {
    out[j] = mask[a] | mask[b] | mask[c] | mask[d];
  });
  return out;
}

function halveEarliest(times: Float32Array, grid: HalfGrid): Float32Array {
  const out = new Float32Array(grid.width * grid.height);
  forEachBlock(grid, (j, a, b, c, d) => {
    out[j] = Math.min(times[a], times[b], times[c], times[d]);
  });
  return out;
}

/** S H S^-1 for the grid's scale S: the same camera motion in the new grid's pixels. */
function scaleHomography(h: Homography, grid: HalfGrid): Homography {
  const sx = grid.width / grid.sourceWidth;
  const sy = grid.height / grid.sourceHeight;
  return new Float64Array([
    h[0],
    (h[1] * sx) / sy,
    h[2] * sx,
    (h[3] * sy) / sx,
    h[4],
    h[5] * sy,
    h[6] / sx,
    h[7] / sy,
    h[8],
  ]);
}
