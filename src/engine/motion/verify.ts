import type { Homography, Plane } from '../raster/types.js';

/** How well a transform explains a pair: mean absolute luma difference over the overlap. */
export interface AlignmentResidual {
  /** Mean |B(H x) - A(x) - offset|, where offset is the mean difference (a global brightness change is free). */
  readonly error: number;
  /** Fraction of A's sampled pixels that land inside B. */
  readonly overlap: number;
}

/**
 * Photometric residual of `h` on a sparse grid (every `step` pixels), bilinear in B. Used as a last check on a
 * feature-based fit: matches can agree on a transform that the pixels do not (repetitive texture, a static
 * logo, parallax in a forward-moving shot), and such a transform is worse than none for the flow that starts
 * from it.
 */
export function alignmentResidual(a: Plane, b: Plane, h: Homography, step: number): AlignmentResidual {
  const { width, height } = a;
  const bw = b.width;
  const bd = b.data;
  const diffs: number[] = [];
  let samples = 0;
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      samples++;
      const w = h[6] * x + h[7] * y + h[8];
      if (w <= 0) continue;
      const u = (h[0] * x + h[1] * y + h[2]) / w;
      const v = (h[3] * x + h[4] * y + h[5]) / w;
      if (!(u >= 0 && v >= 0 && u < bw - 1 && v < b.height - 1)) continue;
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      const i = y0 * bw + x0;
      const top = bd[i] + (bd[i + 1] - bd[i]) * fx;
      const bottom = bd[i + bw] + (bd[i + bw + 1] - bd[i + bw]) * fx;
      diffs.push(top + (bottom - top) * fy - a.data[y * width + x]);
    }
  }
  if (diffs.length === 0) return { error: Infinity, overlap: 0 };
  let offset = 0;
  for (const d of diffs) offset += d;
  offset /= diffs.length;
  let error = 0;
  for (const d of diffs) error += Math.abs(d - offset);
  return { error: error / diffs.length, overlap: diffs.length / samples };
}
