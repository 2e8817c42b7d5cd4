import { createPlane } from '../raster/planes.js';
import type { Plane } from '../raster/types.js';
import type { SearchLevel } from './patch-grid.js';

/**
 * Halves a plane with a 2x2 box average (the area filter OpenCV's DIS uses), flooring odd sizes. Cheap and
 * alias-free enough for factor-2 steps; the flow is resampled between levels by the exact size ratio.
 */
export function downsampleHalf(source: Plane): Plane {
  const width = Math.max(1, source.width >> 1);
  const height = Math.max(1, source.height >> 1);
  const out = createPlane(width, height);
  const src = source.data;
  const dst = out.data;
  const sw = source.width;
  for (let y = 0; y < height; y++) {
    const r0 = 2 * y * sw;
    const r1 = Math.min(2 * y + 1, source.height - 1) * sw;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const x0 = 2 * x;
      const x1 = Math.min(x0 + 1, sw - 1);
      dst[o + x] = 0.25 * (src[r0 + x0] + src[r0 + x1] + src[r1 + x0] + src[r1 + x1]);
    }
  }
  return out;
}

/** Level 0 is the input itself; level k is the input halved k times. */
export function buildPyramid(base: Plane, levels: number): Plane[] {
  const pyramid = [base];
  for (let k = 1; k < levels; k++) pyramid.push(downsampleHalf(pyramid[k - 1]));
  return pyramid;
}

/**
 * The coarsest level worth searching, after OpenCV's DIS: the coarsest image is about four patches across
 * (so the search reaches a quarter of the frame) but never narrower than one patch.
 */
export function coarsestLevel(width: number, height: number, patchSize: number, finestLevel: number): number {
  const byReach = Math.round(Math.log2(Math.max(width, height) / (4 * patchSize)));
  const byFit = Math.floor(Math.log2(Math.min(width, height) / patchSize));
  return Math.max(finestLevel, Math.min(byReach, byFit, 10));
}

/** Sobel derivatives normalised to intensity per pixel (the 1/8 keeps Gauss-Newton steps in pixels). */
export function sobelGradients(plane: Plane): { gx: Float32Array; gy: Float32Array } {
  const { width: w, height: h, data: d } = plane;
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const ru = (y > 0 ? y - 1 : 0) * w;
    const rc = y * w;
    const rd = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const xl = x > 0 ? x - 1 : 0;
      const xr = x < w - 1 ? x + 1 : x;
      gx[rc + x] =
        0.125 * (d[ru + xr] - d[ru + xl] + 2 * (d[rc + xr] - d[rc + xl]) + d[rd + xr] - d[rd + xl]);
      gy[rc + x] = 0.125 * (d[rd + xl] - d[ru + xl] + 2 * (d[rd + x] - d[ru + x]) + d[rd + xr] - d[ru + xr]);
    }
  }
  return { gx, gy };
}

/**
 * Copies a plane into a larger buffer with `border` replicated pixels on every side, so patch sampling near
 * the edges needs no per-pixel clamping. Row stride is width + 2 * border.
 */
export function padPlane(plane: Plane, border: number): Float32Array {
  const { width: w, height: h, data } = plane;
  const pw = w + 2 * border;
  const ph = h + 2 * border;
  const out = new Float32Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(h - 1, Math.max(0, y - border));
    const srow = sy * w;
    const drow = y * pw;
    const left = data[srow];
    const right = data[srow + w - 1];
    for (let x = 0; x < border; x++) {
      out[drow + x] = left;
      out[drow + border + w + x] = right;
    }
    out.set(data.subarray(srow, srow + w), drow + border);
  }
  return out;
}

/** One pyramid level as the patch stages see it: `from` with its gradients, `to` padded by `border`. */
export function searchLevel(from: Plane, to: Plane, border: number): SearchLevel {
  const { gx, gy } = sobelGradients(from);
  return {
    width: from.width,
    height: from.height,
    i0: from.data,
    gx,
    gy,
    i1Padded: padPlane(to, border),
    border,
  };
}
