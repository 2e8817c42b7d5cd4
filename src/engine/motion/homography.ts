import type { Homography } from '../raster/types.js';

/** The identity transform (no motion). */
export function identityHomography(): Homography {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** Maps the point (x, y) through `h`; a point on the line at infinity maps to non-finite coordinates. */
export function applyHomography(h: Homography, x: number, y: number): [number, number] {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/** Product a * b: applying the result equals applying `b` first, then `a`. */
export function multiplyHomography(a: Homography, b: Homography): Homography {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
    }
  }
  return out;
}

/**
 * The inverse transform (maps image B back to image A), scaled so that h[8] = 1 where possible. Throws on a
 * singular matrix, which no estimate from this module returns.
 */
export function invertHomography(h: Homography): Homography {
  const [a, b, c, d, e, f, g, k, l] = h;
  const out = Float64Array.of(
    e * l - f * k,
    c * k - b * l,
    b * f - c * e,
    f * g - d * l,
    a * l - c * g,
    c * d - a * f,
    d * k - e * g,
    b * g - a * k,
    a * e - b * d,
  );
  const det = a * out[0] + b * out[3] + c * out[6];
  if (!Number.isFinite(det) || Math.abs(det) < 1e-300) {
    throw new RangeError('Expected an invertible homography but received a singular matrix');
  }
  return normalizeHomography(out);
}

/** Scales `h` in place so that h[8] = 1 (the usual convention), unless h[8] is ~0; returns it. */
export function normalizeHomography(h: Homography): Homography {
  const s = Math.abs(h[8]) > 1e-12 ? h[8] : 1;
  for (let i = 0; i < 9; i++) h[i] /= s;
  return h;
}

/** The similarity that maps working-resolution pixel centres to another resolution, given the per-axis scale. */
export function pixelScaleHomography(sx: number, sy: number): Homography {
  // Pixel centres sit at (i + 0.5) * s - 0.5 when an image is resampled by s, for box and bilinear alike.
  return Float64Array.of(sx, 0, (sx - 1) / 2, 0, sy, (sy - 1) / 2, 0, 0, 1);
}

/**
 * Solves the n x n system `a x = b` in place by Gaussian elimination with partial pivoting (a is row-major).
 * Returns false when the matrix is (numerically) singular; the solution is left in `b`.
 */
export function solveLinear(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    let best = Math.abs(a[col * n + col]);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r * n + col]);
      if (v > best) {
        best = v;
        pivot = r;
      }
    }
    if (best < 1e-12) return false;
    if (pivot !== col) {
      for (let c = col; c < n; c++) {
        const t = a[col * n + c];
        a[col * n + c] = a[pivot * n + c];
        a[pivot * n + c] = t;
      }
      const t = b[col];
      b[col] = b[pivot];
      b[pivot] = t;
    }
    const inv = 1 / a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] * inv;
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
      b[r] -= f * b[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r * n + c] * b[c];
    b[r] = s / a[r * n + r];
  }
  return true;
}

/**
 * Exact homography through four correspondences (h[8] fixed to 1), written into `out`. The caller passes
 * coordinates already normalised to about unit spread, which keeps this 8 x 8 system well conditioned.
 * Returns false for a degenerate sample.
 */
export function homographyFromFourPoints(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  out: Homography,
  scratchA: Float64Array = new Float64Array(64),
  scratchB: Float64Array = new Float64Array(8),
): boolean {
  const a = scratchA;
  const b = scratchB;
  for (let i = 0; i < 4; i++) {
    const x = src[2 * i];
    const y = src[2 * i + 1];
    const u = dst[2 * i];
    const v = dst[2 * i + 1];
    let r = 2 * i * 8;
    a[r] = x;
    a[r + 1] = y;
    a[r + 2] = 1;
    a[r + 3] = 0;
    a[r + 4] = 0;
    a[r + 5] = 0;
    a[r + 6] = -u * x;
    a[r + 7] = -u * y;
    b[2 * i] = u;
    r += 8;
    a[r] = 0;
    a[r + 1] = 0;
    a[r + 2] = 0;
    a[r + 3] = x;
    a[r + 4] = y;
    a[r + 5] = 1;
    a[r + 6] = -v * x;
    a[r + 7] = -v * y;
    b[2 * i + 1] = v;
  }
  if (!solveLinear(a, b, 8)) return false;
  for (let i = 0; i < 8; i++) out[i] = b[i];
  out[8] = 1;
  return out.every(Number.isFinite);
}
