import type { Plane } from '../raster/types.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

/** What {@link warpDistortion} reports for one frame's fields. */
export interface WarpDistortion {
  /** Share (0..1) of the visible picture drawn through a warp that folds: local Jacobian determinant <= 0. */
  readonly foldShare: number;
  /** Share of the visible picture drawn through a warp stretched more than `maxAnisotropy`:1 (and not folded). */
  readonly stretchShare: number;
  /** foldShare + stretchShare: the picture that cannot be a rigid or smoothly deformed view of a keyframe. */
  readonly distortedShare: number;
  /**
   * Mean over the frame of 2 min(s0, s1) |start(x + ft0) - end(x + ft1)| in luma levels, s0 and s1 being the
   * keyframes' shares of the blend: where both carry weight and show different things, the viewer sees a
   * double image. 0 where one keyframe alone draws the pixel or the two agree.
   */
  readonly ghosting: number;
}

/** Singular values further apart than this count as a stretched smear (the 3:1). */
export const MAX_ANISOTROPY = 3;

/**
 * Reference-free measure of one frame's warp, at the fields' working resolution. Each keyframe k is drawn by
 * sampling it at m_k(x) = x + ft_k(x); the Jacobian of m_k by central differences tells whether that keyframe's
 * picture is folded over itself (det <= 0: the same scene point drawn twice, a tear or a smear's edge) or
 * stretched anisotropically (a melt). Each pixel counts for each keyframe by that keyframe's share of the blend,
 * so the shares are of the visible picture. A keyframe whose sample falls outside its frame does not see the
 * pixel (the renderer gives it to the other one) and does not count either.
 */
export function warpDistortion(
  fields: IntermediateFields,
  startLuma: Plane,
  endLuma: Plane,
  maxAnisotropy = MAX_ANISOTROPY,
): WarpDistortion {
  const { width: w, height: h, data } = fields;
  if (startLuma.width !== w || startLuma.height !== h || endLuma.width !== w || endLuma.height !== h) {
    throw new RangeError(
      `Expected luma planes of ${w}x${h} for startLuma and endLuma but received ` +
        `${startLuma.width}x${startLuma.height} and ${endLuma.width}x${endLuma.height}`,
    );
  }
  let fold = 0;
  let stretch = 0;
  let ghost = 0;
  for (let y = 0; y < h; y++) {
    const ya = y > 0 ? y - 1 : y;
    const yb = y < h - 1 ? y + 1 : y;
    for (let x = 0; x < w; x++) {
      const xa = x > 0 ? x - 1 : x;
      const xb = x < w - 1 ? x + 1 : x;
      const k = (y * w + x) * FIELD_CHANNELS;
      const x0 = x + data[k];
      const y0 = y + data[k + 1];
      const x1 = x + data[k + 2];
      const y1 = y + data[k + 3];
      let w0 = data[k + 4];
      let w1 = data[k + 5];
      if (outside(x0, y0, w, h)) w0 = 0;
      if (outside(x1, y1, w, h)) w1 = 0;
      const total = w0 + w1;
      if (!(total > 0)) continue;
      const s0 = w0 / total;
      const s1 = w1 / total;
      for (let c = 0; c < 2; c++) {
        const share = c === 0 ? s0 : s1;
        if (share <= 0) continue;
        const o = 2 * c;
        const l = (y * w + xa) * FIELD_CHANNELS + o;
        const r = (y * w + xb) * FIELD_CHANNELS + o;
        const u = (ya * w + x) * FIELD_CHANNELS + o;
        const d = (yb * w + x) * FIELD_CHANNELS + o;
        const dx = Math.max(1, xb - xa);
        const dy = Math.max(1, yb - ya);
        const a = 1 + (data[r] - data[l]) / dx;
        const b = (data[d] - data[u]) / dy;
        const cc = (data[r + 1] - data[l + 1]) / dx;
        const dd = 1 + (data[d + 1] - data[u + 1]) / dy;
        const det = a * dd - b * cc;
        if (det <= 0) {
          fold += share;
          continue;
        }
        // Singular values of [[a, b], [cc, dd]]: s1^2 + s2^2 = |J|_F^2, s1 s2 = det. s1/s2 > r exactly when
        // |J|_F^2 / det > r + 1/r, which needs no square roots.
        const frob = a * a + b * b + cc * cc + dd * dd;
        if (frob > det * (maxAnisotropy + 1 / maxAnisotropy)) stretch += share;
      }
      if (s0 > 0 && s1 > 0) {
        const diff = Math.abs(sample(startLuma, x0, y0) - sample(endLuma, x1, y1));
        ghost += 2 * Math.min(s0, s1) * diff;
      }
    }
  }
  const n = w * h;
  return {
    foldShare: fold / n,
    stretchShare: stretch / n,
    distortedShare: (fold + stretch) / n,
    ghosting: ghost / n,
  };
}

function outside(x: number, y: number, w: number, h: number): boolean {
  return x < -1 || y < -1 || x > w || y > h;
}

function sample(plane: Plane, x: number, y: number): number {
  const { width, height, data } = plane;
  const cx = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
  const cy = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
  const ix = cx | 0;
  const iy = cy | 0;
  const ax = cx - ix;
  const ay = cy - iy;
  const p = iy * width + ix;
  const dx = ix < width - 1 ? 1 : 0;
  const dy = iy < height - 1 ? width : 0;
  const top = data[p] + (data[p + dx] - data[p]) * ax;
  const bottom = data[p + dy] + (data[p + dy + dx] - data[p + dy]) * ax;
  return top + (bottom - top) * ay;
}
