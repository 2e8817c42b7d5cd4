/**
 * Patch origins along one axis: every `stride` pixels, plus one flush with the far edge so that every pixel is
 * covered by at least one patch (OpenCV leaves a thin uncovered strip there; densification needs none).
 */
export function patchOrigins(size: number, patchSize: number, stride: number): Int32Array {
  const last = size - patchSize;
  if (last <= 0) return Int32Array.of(0);
  const count = Math.ceil(last / stride) + 1;
  const origins = new Int32Array(count);
  for (let i = 0; i < count; i++) origins[i] = Math.min(i * stride, last);
  return origins;
}

/** One pyramid level as the patch stages see it. */
export interface SearchLevel {
  readonly width: number;
  readonly height: number;
  /** The `from` image at this level. */
  readonly i0: Float32Array;
  /** Its Sobel gradients (intensity per pixel). */
  readonly gx: Float32Array;
  readonly gy: Float32Array;
  /** The `to` image at this level with `border` replicated pixels on every side. */
  readonly i1Padded: Float32Array;
  readonly border: number;
}

/** The sparse result of inverse search: one flow vector per patch, patches in row-major grid order. */
export interface PatchFlows {
  readonly patchSize: number;
  readonly xs: Int32Array;
  readonly ys: Int32Array;
  readonly u: Float32Array;
  readonly v: Float32Array;
}
