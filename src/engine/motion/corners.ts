import type { Plane } from '../raster/types.js';

/** A corner in one pyramid level's own pixel coordinates (sub-pixel). */
export interface Corner {
  x: number;
  y: number;
  response: number;
}

/** What the detector needs; the caller has resolved every field. */
export interface CornerOptions {
  /** Pixels at each border where no corner may sit (the descriptor patch must fit). */
  readonly margin: number;
  /** Most corners returned. */
  readonly maxCorners: number;
  /** Side of the square buckets that spread corners over the image. */
  readonly cellSize: number;
  /** Floor on the response, in (Sobel gradient)^2 units: keeps flat or noise-only areas silent. */
  readonly minResponse: number;
  /** Response floor relative to the strongest corner. */
  readonly relativeThreshold: number;
}

/**
 * Shi-Tomasi corners (smaller eigenvalue of the structure tensor), 3x3 non-maximum suppression, sub-pixel
 * peak by a parabola fit, then grid bucketing. Bucketing matters more than raw strength here: a homography is
 * only as good as the spread of its inliers, and the strongest corners of a frame tend to crowd into one
 * textured region.
 */
export function detectCorners(plane: Plane, options: CornerOptions): Corner[] {
  const { width, height } = plane;
  // The response needs two rows of window plus one of Sobel outside the band it covers.
  const margin = Math.max(4, options.margin);
  if (width <= 2 * margin + 2 || height <= 2 * margin + 2) return [];
  const response = cornerResponse(plane, margin - 1);
  const peaks = findPeaks(response, width, height, margin, options);
  return bucketCorners(peaks, width, height, options);
}

/**
 * Min-eigenvalue response inside the band [border, size - border). Sobel gradients, then a 5-tap binomial
 * window (separable), with the vertical pass fused into the response so the tensor is never stored whole.
 */
function cornerResponse(plane: Plane, border: number): Float32Array {
  const { width, height, data } = plane;
  const n = width * height;
  const gxx = new Float32Array(n);
  const gyy = new Float32Array(n);
  const gxy = new Float32Array(n);
  const y0 = Math.max(1, border - 2);
  const y1 = Math.min(height - 1, height - border + 2);
  const x0 = Math.max(1, border - 2);
  const x1 = Math.min(width - 1, width - border + 2);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * width + x;
      const a = data[i - width - 1];
      const b = data[i - width];
      const c = data[i - width + 1];
      const d = data[i - 1];
      const f = data[i + 1];
      const g = data[i + width - 1];
      const h = data[i + width];
      const k = data[i + width + 1];
      const ix = c + 2 * f + k - a - 2 * d - g;
      const iy = g + 2 * h + k - a - 2 * b - c;
      gxx[i] = ix * ix;
      gyy[i] = iy * iy;
      gxy[i] = ix * iy;
    }
  }
  // Horizontal binomial pass [1 4 6 4 1] into the same-sized temporaries.
  const hxx = new Float32Array(n);
  const hyy = new Float32Array(n);
  const hxy = new Float32Array(n);
  for (let y = y0; y < y1; y++) {
    for (let x = border; x < width - border; x++) {
      const i = y * width + x;
      hxx[i] = gxx[i - 2] + 4 * (gxx[i - 1] + gxx[i + 1]) + 6 * gxx[i] + gxx[i + 2];
      hyy[i] = gyy[i - 2] + 4 * (gyy[i - 1] + gyy[i + 1]) + 6 * gyy[i] + gyy[i + 2];
      hxy[i] = gxy[i - 2] + 4 * (gxy[i - 1] + gxy[i + 1]) + 6 * gxy[i] + gxy[i + 2];
    }
  }
  const out = new Float32Array(n);
  const w2 = 2 * width;
  const norm = 1 / 256;
  for (let y = border; y < height - border; y++) {
    for (let x = border; x < width - border; x++) {
      const i = y * width + x;
      const sxx = (hxx[i - w2] + 4 * (hxx[i - width] + hxx[i + width]) + 6 * hxx[i] + hxx[i + w2]) * norm;
      const syy = (hyy[i - w2] + 4 * (hyy[i - width] + hyy[i + width]) + 6 * hyy[i] + hyy[i + w2]) * norm;
      const sxy = (hxy[i - w2] + 4 * (hxy[i - width] + hxy[i + width]) + 6 * hxy[i] + hxy[i + w2]) * norm;
      const half = (sxx - syy) * 0.5;
      out[i] = (sxx + syy) * 0.5 - Math.sqrt(half * half + sxy * sxy);
    }
  }
  return out;
}

/** Strict 3x3 local maxima above the thresholds, refined to sub-pixel by separable parabola fits. */
function findPeaks(
  r: Float32Array,
  width: number,
  height: number,
  margin: number,
  options: CornerOptions,
): Corner[] {
  let max = 0;
  for (let y = margin; y < height - margin; y++) {
    for (let x = margin; x < width - margin; x++) {
      const v = r[y * width + x];
      if (v > max) max = v;
    }
  }
  const threshold = Math.max(options.minResponse, max * options.relativeThreshold);
  const out: Corner[] = [];
  for (let y = margin; y < height - margin; y++) {
    for (let x = margin; x < width - margin; x++) {
      const i = y * width + x;
      const v = r[i];
      if (v <= threshold) continue;
      // Ties are broken towards the later pixel (>= before, > after) so a plateau yields one peak.
      if (
        v < r[i - width - 1] ||
        v < r[i - width] ||
        v < r[i - width + 1] ||
        v < r[i - 1] ||
        v <= r[i + 1] ||
        v <= r[i + width - 1] ||
        v <= r[i + width] ||
        v <= r[i + width + 1]
      ) {
        continue;
      }
      out.push({
        x: x + parabolaPeak(r[i - 1], v, r[i + 1]),
        y: y + parabolaPeak(r[i - width], v, r[i + width]),
        response: v,
      });
    }
  }
  return out;
}

function parabolaPeak(left: number, centre: number, right: number): number {
  const curvature = left - 2 * centre + right;
  if (curvature >= 0) return 0;
  const offset = (0.5 * (left - right)) / curvature;
  return offset < -0.5 ? -0.5 : offset > 0.5 ? 0.5 : offset;
}

/**
 * Round-robin over grid cells: every cell gives its strongest corner, then every cell its second, and so on
 * until the budget is spent. Within one round the stronger corners go first, so a cut mid-round is fair.
 */
function bucketCorners(corners: Corner[], width: number, height: number, options: CornerOptions): Corner[] {
  if (corners.length <= options.maxCorners) return corners;
  const cols = Math.max(1, Math.round(width / options.cellSize));
  const rows = Math.max(1, Math.round(height / options.cellSize));
  const cells: Corner[][] = Array.from({ length: cols * rows }, () => []);
  for (const c of corners) {
    const cx = Math.min(cols - 1, Math.floor((c.x / width) * cols));
    const cy = Math.min(rows - 1, Math.floor((c.y / height) * rows));
    cells[cy * cols + cx].push(c);
  }
  for (const cell of cells) cell.sort((a, b) => b.response - a.response);
  const out: Corner[] = [];
  for (let rank = 0; out.length < options.maxCorners; rank++) {
    const round: Corner[] = [];
    for (const cell of cells) if (rank < cell.length) round.push(cell[rank]);
    if (round.length === 0) break;
    round.sort((a, b) => b.response - a.response);
    for (const c of round) {
      if (out.length >= options.maxCorners) break;
      out.push(c);
    }
  }
  return out;
}
