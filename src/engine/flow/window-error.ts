import { samplePlane } from '../raster/planes.js';
import type { Plane } from '../raster/types.js';
import { landsOutside } from './consistency.js';

/**
 * Mean absolute luma difference between the window around (x, y) in `from` and the same window displaced by
 * (u, v) in `to`. Window pixels outside `from`, or carried outside `to`, are skipped; a window with less than
 * half of itself left to compare scores Infinity (too little to judge a match on).
 */
export function windowError(
  from: Plane,
  to: Plane,
  x: number,
  y: number,
  u: number,
  v: number,
  radius: number,
): number {
  const { width, height } = from;
  let sum = 0;
  let count = 0;
  for (let dy = -radius; dy <= radius; dy++) {
    const wy = y + dy;
    if (wy < 0 || wy >= height) continue;
    for (let dx = -radius; dx <= radius; dx++) {
      const wx = x + dx;
      if (wx < 0 || wx >= width || landsOutside(wx + u, wy + v, width, height)) continue;
      sum += Math.abs(from.data[wy * width + wx] - samplePlane(to, wx + u, wy + v));
      count++;
    }
  }
  return 2 * count < (2 * radius + 1) * (2 * radius + 1) ? Infinity : sum / count;
}

/** Mean absolute deviation of the window around (x, y) from its mean: how much there is in it to match. */
export function windowContrast(plane: Plane, x: number, y: number, radius: number): number {
  const { width, height, data } = plane;
  const y0 = Math.max(0, y - radius);
  const y1 = Math.min(height - 1, y + radius);
  const x0 = Math.max(0, x - radius);
  const x1 = Math.min(width - 1, x + radius);
  const count = (y1 - y0 + 1) * (x1 - x0 + 1);
  let sum = 0;
  for (let wy = y0; wy <= y1; wy++) {
    for (let wx = x0; wx <= x1; wx++) sum += data[wy * width + wx];
  }
  const mean = sum / count;
  let deviation = 0;
  for (let wy = y0; wy <= y1; wy++) {
    for (let wx = x0; wx <= x1; wx++) deviation += Math.abs(data[wy * width + wx] - mean);
  }
  return deviation / count;
}

/**
 * {@link windowError}'s fast path for a search: an integer offset, no bilinear sample, the window's pixels
 * `step` apart. Infinity where the window leaves either frame (a search has offsets enough inside), or as soon
 * as its sum shows it will exceed `stopAbove`, which spares most of the work for most offsets.
 */
export function integerWindowError(
  from: Plane,
  to: Plane,
  x: number,
  y: number,
  u: number,
  v: number,
  radius: number,
  step: number,
  stopAbove: number,
): number {
  const { width, height } = from;
  if (x - radius < 0 || y - radius < 0 || x + radius >= width || y + radius >= height) return Infinity;
  if (x + u - radius < 0 || y + v - radius < 0 || x + u + radius >= width || y + v + radius >= height) {
    return Infinity;
  }
  const side = Math.floor((2 * radius) / step) + 1;
  const limit = stopAbove * side * side;
  let sum = 0;
  for (let dy = -radius; dy <= radius; dy += step) {
    const a = (y + dy) * width + x;
    const b = (y + dy + v) * width + x + u;
    for (let dx = -radius; dx <= radius; dx += step) sum += Math.abs(from.data[a + dx] - to.data[b + dx]);
    if (sum > limit) return Infinity;
  }
  return sum / (side * side);
}
