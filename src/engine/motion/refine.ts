import type { Homography } from '../raster/types.js';
import { solveLinear } from './homography.js';

/** Sum of squared transfer errors of the selected correspondences under `h` (h[8] = 1). */
export function transferCost(
  h: Homography,
  from: Float64Array,
  to: Float64Array,
  chosen: Uint8Array,
): number {
  let cost = 0;
  for (let i = 0; i < chosen.length; i++) {
    if (!chosen[i]) continue;
    const x = from[2 * i];
    const y = from[2 * i + 1];
    const w = h[6] * x + h[7] * y + h[8];
    const rx = (h[0] * x + h[1] * y + h[2]) / w - to[2 * i];
    const ry = (h[3] * x + h[4] * y + h[5]) / w - to[2 * i + 1];
    cost += rx * rx + ry * ry;
  }
  return cost;
}

/**
 * Levenberg-Marquardt on the forward transfer error over the chosen correspondences (eight parameters, h[8]
 * held at 1). The minimal-sample fit that wins RANSAC rests on four noisy points; this spends all inliers on
 * the geometric error, which is what the flow initialisation and the camera description actually see.
 * Coordinates should be normalised (about unit spread). Returns a new matrix, never worse than `start`.
 */
export function refineHomography(
  start: Homography,
  from: Float64Array,
  to: Float64Array,
  chosen: Uint8Array,
  iterations: number,
): Homography {
  let h = Float64Array.from(start);
  let cost = transferCost(h, from, to, chosen);
  let lambda = 1e-3;
  const jtj = new Float64Array(64);
  const jtr = new Float64Array(8);
  const jx = new Float64Array(8);
  const jy = new Float64Array(8);
  for (let it = 0; it < iterations; it++) {
    jtj.fill(0);
    jtr.fill(0);
    for (let i = 0; i < chosen.length; i++) {
      if (!chosen[i]) continue;
      const x = from[2 * i];
      const y = from[2 * i + 1];
      const iw = 1 / (h[6] * x + h[7] * y + 1);
      const px = (h[0] * x + h[1] * y + h[2]) * iw;
      const py = (h[3] * x + h[4] * y + h[5]) * iw;
      const rx = px - to[2 * i];
      const ry = py - to[2 * i + 1];
      jx[0] = x * iw;
      jx[1] = y * iw;
      jx[2] = iw;
      jx[3] = jx[4] = jx[5] = 0;
      jx[6] = -x * px * iw;
      jx[7] = -y * px * iw;
      jy[0] = jy[1] = jy[2] = 0;
      jy[3] = x * iw;
      jy[4] = y * iw;
      jy[5] = iw;
      jy[6] = -x * py * iw;
      jy[7] = -y * py * iw;
      for (let r = 0; r < 8; r++) {
        jtr[r] += jx[r] * rx + jy[r] * ry;
        for (let c = r; c < 8; c++) jtj[r * 8 + c] += jx[r] * jx[c] + jy[r] * jy[c];
      }
    }
    let improved = false;
    for (let attempt = 0; attempt < 6 && !improved; attempt++) {
      const a = new Float64Array(64);
      const b = new Float64Array(8);
      for (let r = 0; r < 8; r++) {
        for (let c = r; c < 8; c++) a[r * 8 + c] = a[c * 8 + r] = jtj[r * 8 + c];
        a[r * 8 + r] *= 1 + lambda;
        b[r] = -jtr[r];
      }
      if (solveLinear(a, b, 8)) {
        const next = Float64Array.from(h);
        for (let r = 0; r < 8; r++) next[r] += b[r];
        const nextCost = transferCost(next, from, to, chosen);
        if (nextCost < cost) {
          improved = true;
          h = next;
          const gain = cost - nextCost;
          cost = nextCost;
          lambda = Math.max(1e-9, lambda / 10);
          if (gain < 1e-12 * (1 + cost)) return h;
          continue;
        }
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return h;
}
