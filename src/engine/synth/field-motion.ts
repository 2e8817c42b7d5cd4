import type { FlowField, Homography, Plane } from '../raster/types.js';
import { splatPriority, type PairMotion } from './intermediate-fields.js';

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
  return out;
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
  // Priorities depend on confidence and on the deviation from the global motion relative to the grid's
  // diagonal: computed again on the new grid they are what they were, block by block.
  return {
    ...halved,
    forwardPriority: splatPriority(halved, 'forward'),
    backwardPriority: splatPriority(halved, 'backward'),
  };
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

/** Calls `visit` with the source indices of block (x, y): 1, 2 or 4 of them at an odd border. */
function forEachInBlock(grid: HalfGrid, x: number, y: number, visit: (i: number) => void): void {
  const x1 = Math.min(grid.sourceWidth - 1, 2 * x + 1);
  const y1 = Math.min(grid.sourceHeight - 1, 2 * y + 1);
  for (let sy = 2 * y; sy <= y1; sy++) {
    for (let sx = 2 * x; sx <= x1; sx++) visit(sy * grid.sourceWidth + sx);
  }
}

function halveFlow(flow: FlowField, grid: HalfGrid): FlowField {
  const data = new Float32Array(2 * grid.width * grid.height);
  const sx = grid.width / grid.sourceWidth;
  const sy = grid.height / grid.sourceHeight;
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      let u = 0;
      let v = 0;
      let count = 0;
      forEachInBlock(grid, x, y, (i) => {
        u += flow.data[2 * i];
        v += flow.data[2 * i + 1];
        count++;
      });
      const j = y * grid.width + x;
      data[2 * j] = (u / count) * sx;
      data[2 * j + 1] = (v / count) * sy;
    }
  }
  return { width: grid.width, height: grid.height, data };
}

/** `into` with each block's pixels (their source indices) reduced to one value by `reduce`. */
function perBlock<T extends Float32Array | Uint8Array>(
  grid: HalfGrid,
  into: T,
  reduce: (visitBlock: (visit: (i: number) => void) => void) => number,
): T {
  for (let y = 0; y < grid.height; y++) {
    for (let x = 0; x < grid.width; x++) {
      into[y * grid.width + x] = reduce((visit) => forEachInBlock(grid, x, y, visit));
    }
  }
  return into;
}

function halvePlane(plane: Plane, grid: HalfGrid): Plane {
  const data = perBlock(grid, new Float32Array(grid.width * grid.height), (visitBlock) => {
    let sum = 0;
    let count = 0;
    visitBlock((i) => {
      sum += plane.data[i];
      count++;
    });
    return sum / count;
  });
  return { width: grid.width, height: grid.height, data };
}

function halveMask(mask: Uint8Array, grid: HalfGrid): Uint8Array {
  return perBlock(grid, new Uint8Array(grid.width * grid.height), (visitBlock) => {
    let any = 0;
    visitBlock((i) => {
      any |= mask[i];
    });
    return any;
  });
}

function halveEarliest(times: Float32Array, grid: HalfGrid): Float32Array {
  return perBlock(grid, new Float32Array(grid.width * grid.height), (visitBlock) => {
    let earliest = Infinity;
    visitBlock((i) => {
      earliest = Math.min(earliest, times[i]);
    });
    return earliest;
  });
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
