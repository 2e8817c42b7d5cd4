import type { FlowField, Plane } from '../raster/types.js';

export interface OcclusionFillOptions {
  /** Consistency under which a pixel that the other frame's flow does not land on counts as occluded. */
  readonly maxConfidence: number;
  /** Coverage by the other frame's splat under which a pixel counts as not seen there. */
  readonly maxCoverage: number;
  /** Consistency a pixel of the other frame needs for its splat to count in that coverage. */
  readonly minReverseConfidence: number;
  /**
   * Price of distance in the choice of a vector, in pixels of likeness to the occluder's motion per pixel
   * travelled: small, so a border that moves unlike the occluder wins over a nearer one that moves with it.
   */
  readonly distanceCost: number;
  /** Difference from the occluder's motion, in pixels, beyond which a vector counts as wholly unlike it. */
  readonly separation: number;
  /**
   * Least change of a vector, as a fraction of the frame's diagonal, for it to be replaced: small occlusions
   * are left to the splatting's weights, which measured better on DAVIS than any replacement of their vectors.
   */
  readonly minChange: number;
}

/** Tuned in bench/tune-quality.ts (bench/RESULTS.md, issue 14). */
export const DEFAULT_OCCLUSION_FILL: OcclusionFillOptions = {
  maxConfidence: 0.2,
  maxCoverage: 0.3,
  minReverseConfidence: 0.5,
  distanceCost: 0.1,
  separation: 10,
  minChange: 0.04,
};

/**
 * Pixels of `flow`'s source frame that the target frame does not show: their vector failed the consistency
 * test, and no confidently matched pixel of the target lands on them through `reverse` (the target -> source
 * flow), the classic test for an occlusion rather than a mismatch. 1 = occluded.
 */
export function occludedPixels(
  confidence: Plane,
  reverse: FlowField,
  reverseConfidence: Plane,
  options: OcclusionFillOptions = DEFAULT_OCCLUSION_FILL,
): Uint8Array {
  const { width, height } = reverse;
  const cover = new Float32Array(width * height);
  const r = reverse.data;
  const rc = reverseConfidence.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const c = rc[i];
      if (c < options.minReverseConfidence) continue;
      const tx = x + r[2 * i];
      const ty = y + r[2 * i + 1];
      const x0 = Math.floor(tx);
      const y0 = Math.floor(ty);
      const ax = tx - x0;
      const ay = ty - y0;
      for (let dy = 0; dy < 2; dy++) {
        const yy = y0 + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const xx = x0 + dx;
          if (xx < 0 || xx >= width) continue;
          cover[yy * width + xx] += (dx ? ax : 1 - ax) * (dy ? ay : 1 - ay);
        }
      }
    }
  }
  const out = new Uint8Array(width * height);
  const conf = confidence.data;
  for (let i = 0; i < out.length; i++) {
    out[i] = conf[i] < options.maxConfidence && cover[i] < options.maxCoverage ? 1 : 0;
  }
  return out;
}

/**
 * Replaces the vectors of occluded pixels (what one keyframe shows and the other hides) by a vector of their
 * confidently matched surroundings, choosing one that moves unlike the occluder. The occluder of a pixel x is
 * what the other keyframe shows at x itself, and its confident vector there, reversed, is the occluder's
 * motion: an uncovered background must not take the motion of the object that uncovered it, or it is carried
 * along with it and garbled where the object was. Among vectors at least `separation` pixels unlike the
 * occluder the nearest wins. Chamfer propagation: two raster sweeps each way, O(n). Returns a new field, and
 * which pixels it replaced: those are known to be seen in this keyframe only, and to move as their background.
 */
export function fillOccluded(
  flow: FlowField,
  confidence: Plane,
  occluded: Uint8Array,
  reverse: FlowField,
  reverseConfidence: Plane,
  options: OcclusionFillOptions = DEFAULT_OCCLUSION_FILL,
): { readonly flow: FlowField; readonly replaced: Uint8Array } {
  const { width, height, data } = flow;
  const n = width * height;
  const out = { width, height, data: new Float32Array(data) };
  const replaced = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) if (occluded[i]) any = true;
  if (!any) return { flow: out, replaced };
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const dist = new Float32Array(n);
  const score = new Float32Array(n).fill(Infinity);
  const r = reverse.data;
  const rc = reverseConfidence.data;
  const conf = confidence.data;
  const sweep: Sweep = {
    u,
    v,
    dist,
    score,
    r,
    rc,
    separation: options.separation,
    cost: options.distanceCost,
  };
  for (let i = 0; i < n; i++) {
    if (occluded[i] || conf[i] <= 0.5) continue;
    u[i] = data[2 * i];
    v[i] = data[2 * i + 1];
    score[i] = likeOccluder(sweep, i, u[i], v[i]);
  }
  // Seeded pixels (matched, not occluded) keep their own vector; the others take the best their neighbours offer.
  const seeded = new Uint8Array(n);
  for (let i = 0; i < n; i++) seeded[i] = !occluded[i] && conf[i] > 0.5 ? 1 : 0;
  for (let round = 0; round < 2; round++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (seeded[i]) continue;
        if (x > 0) offer(sweep, i, i - 1, 1);
        if (y > 0) {
          offer(sweep, i, i - width, 1);
          if (x > 0) offer(sweep, i, i - width - 1, Math.SQRT2);
          if (x < width - 1) offer(sweep, i, i - width + 1, Math.SQRT2);
        }
      }
    }
    for (let y = height - 1; y >= 0; y--) {
      for (let x = width - 1; x >= 0; x--) {
        const i = y * width + x;
        if (seeded[i]) continue;
        if (x < width - 1) offer(sweep, i, i + 1, 1);
        if (y < height - 1) {
          offer(sweep, i, i + width, 1);
          if (x < width - 1) offer(sweep, i, i + width + 1, Math.SQRT2);
          if (x > 0) offer(sweep, i, i + width - 1, Math.SQRT2);
        }
      }
    }
  }
  const minChange = options.minChange * Math.hypot(width, height);
  for (let i = 0; i < n; i++) {
    // Only where the occluder is known: else nothing says which of the surroundings is behind.
    if (!occluded[i] || score[i] === Infinity || !(rc[i] > 0.5)) continue;
    if (Math.hypot(u[i] - data[2 * i], v[i] - data[2 * i + 1]) < minChange) continue;
    out.data[2 * i] = u[i];
    out.data[2 * i + 1] = v[i];
    replaced[i] = 1;
  }
  return { flow: out, replaced };
}

/** The chamfer propagation's state: the best vector so far per pixel, its travelled distance and its score. */
interface Sweep {
  readonly u: Float32Array;
  readonly v: Float32Array;
  readonly dist: Float32Array;
  readonly score: Float32Array;
  /** The reverse flow and its confidence: the occluder's motion at each pixel, where known. */
  readonly r: Float32Array;
  readonly rc: Float32Array;
  readonly separation: number;
  readonly cost: number;
}

/** How far short of `separation` vector (cu, cv) comes from the occluder's motion at i (0 when none is known). */
function likeOccluder(sweep: Sweep, i: number, cu: number, cv: number): number {
  if (!(sweep.rc[i] > 0.5)) return 0;
  const du = cu + sweep.r[2 * i];
  const dv = cv + sweep.r[2 * i + 1];
  return Math.max(0, sweep.separation - Math.sqrt(du * du + dv * dv));
}

/** Pixel i takes its neighbour's vector when that, carried one `step` further, scores better than its own. */
function offer(sweep: Sweep, i: number, from: number, step: number): void {
  const { score, u, v, dist } = sweep;
  if (score[from] === Infinity) return;
  const d = dist[from] + step;
  const s = likeOccluder(sweep, i, u[from], v[from]) + sweep.cost * d;
  if (s < score[i]) {
    score[i] = s;
    u[i] = u[from];
    v[i] = v[from];
    dist[i] = d;
  }
}
