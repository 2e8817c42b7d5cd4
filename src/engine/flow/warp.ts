import { createPlane } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';

/**
 * Backward warp: out(x) = plane(x + scale * flow(x)), bilinear with clamp-to-edge. With the flow F01 of `from`
 * and plane = `to`, the result approximates `from`; `scale` gives the fractional flows of intermediate times.
 */
export function warpPlaneBackward(plane: Plane, flow: FlowField, scale = 1): Plane {
  const { width: w, height: h, data: src } = plane;
  if (flow.width !== w || flow.height !== h) {
    throw new RangeError(`Expected a flow of ${w}x${h} for flow but received ${flow.width}x${flow.height}`);
  }
  const out = createPlane(w, h);
  const dst = out.data;
  const f = flow.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let sx = x + scale * f[2 * i];
      let sy = y + scale * f[2 * i + 1];
      sx = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
      sy = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = x0 < w - 1 ? x0 + 1 : x0;
      const y1 = y0 < h - 1 ? y0 + 1 : y0;
      const fx = sx - x0;
      const fy = sy - y0;
      const a = src[y0 * w + x0];
      const top = a + (src[y0 * w + x1] - a) * fx;
      const c = src[y1 * w + x0];
      const bottom = c + (src[y1 * w + x1] - c) * fx;
      dst[i] = top + (bottom - top) * fy;
    }
  }
  return out;
}
