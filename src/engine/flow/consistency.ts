import { createPlane } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';

/**
 * Forward-backward consistency confidence (Sundaram, Brox and Keutzer, ECCV 2010). For each pixel x of the
 * forward field's source, the round trip r = F01(x) + F10(x + F01(x)) should vanish where x stays visible; the
 * tolerance grows with the motion, b = 0.01 (|F01|^2 + |F10'|^2) + 0.5. Instead of the paper's hard cut at
 * |r|^2 > b, the confidence falls smoothly, 1 / (1 + (|r|^2 / b)^2): 0.5 at the paper's threshold, about 0.1 at
 * three times it, so blending degrades gracefully where the test is borderline. Returns values in 0..1.
 */
export function flowConfidence(forward: FlowField, backward: FlowField): Plane {
  const { width: w, height: h } = forward;
  if (backward.width !== w || backward.height !== h) {
    throw new RangeError(
      `Expected a backward flow of ${w}x${h} for backward but received ${backward.width}x${backward.height}`,
    );
  }
  const out = createPlane(w, h);
  const conf = out.data;
  const f = forward.data;
  const b = backward.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const u = f[2 * i];
      const v = f[2 * i + 1];
      const tx = x + u;
      const ty = y + v;
      // Landing outside the target frame: the point left the view, which is occlusion by definition.
      if (landsOutside(tx, ty, w, h)) {
        conf[i] = 0;
        continue;
      }
      const sx = tx < 0 ? 0 : tx > w - 1 ? w - 1 : tx;
      const sy = ty < 0 ? 0 : ty > h - 1 ? h - 1 : ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = x0 < w - 1 ? x0 + 1 : x0;
      const y1 = y0 < h - 1 ? y0 + 1 : y0;
      const fx = sx - x0;
      const fy = sy - y0;
      const i00 = 2 * (y0 * w + x0);
      const i01 = 2 * (y0 * w + x1);
      const i10 = 2 * (y1 * w + x0);
      const i11 = 2 * (y1 * w + x1);
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const bu = w00 * b[i00] + w01 * b[i01] + w10 * b[i10] + w11 * b[i11];
      const bv = w00 * b[i00 + 1] + w01 * b[i01 + 1] + w10 * b[i10 + 1] + w11 * b[i11 + 1];
      const ru = u + bu;
      const rv = v + bv;
      const bound = 0.01 * (u * u + v * v + bu * bu + bv * bv) + 0.5;
      const q = (ru * ru + rv * rv) / bound;
      conf[i] = 1 / (1 + q * q);
    }
  }
  return out;
}

/** Whether a point carried to (tx, ty) lands outside a w x h frame (more than half a pixel past its border). */
export function landsOutside(tx: number, ty: number, w: number, h: number): boolean {
  return tx < -0.5 || ty < -0.5 || tx > w - 0.5 || ty > h - 0.5;
}
