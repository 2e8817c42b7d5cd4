import { createPlane } from '../raster/planes.js';
import type { Plane } from '../raster/types.js';

/** One level of the scale pyramid features are detected on. */
export interface ScaleLevel {
  readonly plane: Plane;
  /** Level pixel -> working-resolution pixel, per axis: x0 = (x + 0.5) * scaleX - 0.5. */
  readonly scaleX: number;
  readonly scaleY: number;
  /** Summed-area table of the plane, (width + 1) x (height + 1), for the descriptors' box-smoothed tests. */
  readonly integral: Float64Array;
}

/**
 * Area-average downscale by an integer factor. Much faster than a general resize (one pass, no fractional
 * weights), which matters because shrinking the full-resolution frames is the largest single cost here.
 * Leftover columns and rows past a whole multiple of `factor` are dropped, so the pixel-centre mapping stays exact.
 */
export function downscaleByInteger(source: Plane, factor: number): Plane {
  if (factor <= 1) return source;
  const width = Math.floor(source.width / factor);
  const height = Math.floor(source.height / factor);
  const out = createPlane(width, height);
  const src = source.data;
  const sw = source.width;
  const row = new Float32Array(width);
  const norm = 1 / (factor * factor);
  for (let y = 0; y < height; y++) {
    row.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      let p = (y * factor + dy) * sw;
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let dx = 0; dx < factor; dx++) s += src[p++];
        row[x] += s;
      }
    }
    const o = y * width;
    for (let x = 0; x < width; x++) out.data[o + x] = row[x] * norm;
  }
  return out;
}

/** Summed-area table with a zero first row and column: sum over [x0, x1) x [y0, y1) takes four reads. */
export function integralImage(plane: Plane): Float64Array {
  const { width, height, data } = plane;
  const stride = width + 1;
  const out = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let rowSum = 0;
    const src = y * width;
    const above = y * stride;
    const here = above + stride;
    for (let x = 0; x < width; x++) {
      rowSum += data[src + x];
      out[here + x + 1] = out[above + x + 1] + rowSum;
    }
  }
  return out;
}

/**
 * Levels at `base`, base * step, base * step^2, ... Features from every level of one image are matched
 * against every level of the other, which is what lets matching survive a zoom between the keyframes: a
 * patch at level i of A sees the same content as some level j of B up to a residual scale of about
 * sqrt(1 / step), within what binary tests tolerate.
 */
export function buildScalePyramid(base: Plane, levels: number, step: number, minSide: number): ScaleLevel[] {
  const out: ScaleLevel[] = [{ plane: base, scaleX: 1, scaleY: 1, integral: integralImage(base) }];
  let scale = 1;
  for (let i = 1; i < levels; i++) {
    scale *= step;
    const width = Math.round(base.width * scale);
    const height = Math.round(base.height * scale);
    if (Math.min(width, height) < minSide) break;
    const plane = shrinkByArea(base, width, height);
    out.push({
      plane,
      scaleX: base.width / width,
      scaleY: base.height / height,
      integral: integralImage(plane),
    });
  }
  return out;
}

/** Source pixels and weights of each output pixel along one axis, for an area-average shrink. */
function areaTaps(
  source: number,
  target: number,
): { start: Int32Array; weights: Float32Array; taps: number } {
  const scale = source / target;
  const taps = Math.ceil(scale) + 1;
  const start = new Int32Array(target);
  const weights = new Float32Array(target * taps);
  for (let i = 0; i < target; i++) {
    const lo = i * scale;
    const hi = Math.min(source, lo + scale);
    // Shift the window left at the far edge so every tap reads inside the row; the weights follow the shift.
    const first = Math.min(Math.floor(lo), Math.max(0, source - taps));
    start[i] = first;
    for (let t = 0; t < taps; t++) {
      const p = first + t;
      const overlap = Math.min(hi, p + 1) - Math.max(lo, p);
      weights[i * taps + t] = overlap > 0 ? overlap / scale : 0;
    }
  }
  return { start, weights, taps };
}

/**
 * Separable area-average shrink to any smaller size. Same result as the general box resize of the raster
 * module, but with the weights worked out once per row and column, which makes the pyramid several times cheaper.
 */
export function shrinkByArea(source: Plane, width: number, height: number): Plane {
  const sw = source.width;
  const sh = source.height;
  const src = source.data;
  const { start: hStart, weights: hWeights, taps: hTaps } = areaTaps(sw, width);
  const { start: vStart, weights: vWeights, taps: vTaps } = areaTaps(sh, height);
  const rows = new Float32Array(sh * width);
  for (let y = 0; y < sh; y++) {
    const row = y * sw;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const first = row + hStart[x];
      const w0 = x * hTaps;
      let sum = 0;
      for (let t = 0; t < hTaps; t++) sum += src[first + t] * hWeights[w0 + t];
      rows[o + x] = sum;
    }
  }
  const out = createPlane(width, height);
  const dst = out.data;
  for (let y = 0; y < height; y++) {
    const w0 = y * vTaps;
    const o = y * width;
    for (let t = 0; t < vTaps; t++) {
      const wt = vWeights[w0 + t];
      if (wt <= 0) continue;
      const r = (vStart[y] + t) * width;
      for (let x = 0; x < width; x++) dst[o + x] += rows[r + x] * wt;
    }
  }
  return out;
}
