import { createFlow } from '../raster/planes.js';
import type { FlowField } from '../raster/types.js';

/**
 * Bilinear resize of one flow component plane (pixel centres aligned, edges clamped), multiplied by `scale` so
 * the vectors are measured in the new grid's pixels. Writes into `out` (width * height).
 */
export function resizeComponent(
  src: Float32Array,
  sw: number,
  sh: number,
  out: Float32Array,
  width: number,
  height: number,
  scale: number,
): void {
  const rx = sw / width;
  const ry = sh / height;
  for (let y = 0; y < height; y++) {
    let fy = (y + 0.5) * ry - 0.5;
    fy = fy < 0 ? 0 : fy > sh - 1 ? sh - 1 : fy;
    const y0 = Math.floor(fy);
    const y1 = y0 < sh - 1 ? y0 + 1 : y0;
    const ty = fy - y0;
    const r0 = y0 * sw;
    const r1 = y1 * sw;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let fx = (x + 0.5) * rx - 0.5;
      fx = fx < 0 ? 0 : fx > sw - 1 ? sw - 1 : fx;
      const x0 = Math.floor(fx);
      const x1 = x0 < sw - 1 ? x0 + 1 : x0;
      const tx = fx - x0;
      const top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * tx;
      const bottom = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * tx;
      out[o + x] = (top + (bottom - top) * ty) * scale;
    }
  }
}

/**
 * Resizes a flow field to width x height with bilinear interpolation, scaling dx by width / flow.width and dy by
 * height / flow.height so the vectors stay correct in the new grid (e.g. a working-resolution flow applied to
 * full-resolution frames).
 */
export function upsampleFlow(flow: FlowField, width: number, height: number): FlowField {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(
      `Expected positive integer sizes for width and height but received ${width}x${height}`,
    );
  }
  const { width: sw, height: sh, data } = flow;
  const n = sw * sh;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    u[i] = data[2 * i];
    v[i] = data[2 * i + 1];
  }
  const ou = new Float32Array(width * height);
  const ov = new Float32Array(width * height);
  resizeComponent(u, sw, sh, ou, width, height, width / sw);
  resizeComponent(v, sw, sh, ov, width, height, height / sh);
  return interleave(ou, ov, width, height);
}

/** Packs planar components into the interleaved FlowField layout. */
export function interleave(u: Float32Array, v: Float32Array, width: number, height: number): FlowField {
  const out = createFlow(width, height);
  const d = out.data;
  for (let i = 0; i < width * height; i++) {
    d[2 * i] = u[i];
    d[2 * i + 1] = v[i];
  }
  return out;
}
