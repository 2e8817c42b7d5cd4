import type { FlowField, Plane } from '../raster/types.js';
import type { RegulariseOptions } from './regularise-flow.js';
import { levelsFor, pool, type Level, type Taps } from './regularise-levels.js';

/**
 * What the hole fill takes of the regularisation's options: no luma steers it and no prior is pooled in (the
 * splat is already layered by its priorities), so only the trust threshold and the least cover that counts.
 */
export type HoleFillOptions = Pick<RegulariseOptions, 'trusted' | 'minConfidence'>;

// The coarse flow of one tent sum; the fill runs to completion before the next call on this thread.
const mean = new Float64Array(2);

/**
 * `regulariseFlow(flow, cover, flatLuma, null, options, flow)` (lumaSigma Infinity, priorWeight 0) for the
 * synthesis's splat holes, with the same
 * result to the bit and a third of the work: without edge-awareness and without a prior, the finest level's
 * sums are pooled straight from the flow and its cover into the second level, and on the way down only the
 * untrusted pixels are written (in place, the trusted ones keep their vector as they would).
 */
export function fillHolesInPlace(flow: FlowField, cover: Plane, options: HoleFillOptions): void {
  const { width, height } = flow;
  if (cover.width !== width || cover.height !== height) {
    throw new RangeError(
      `Expected a cover of ${width}x${height} but received ${cover.width}x${cover.height}`,
    );
  }
  const levels = levelsFor(width, height);
  if (levels.length < 2) {
    // A single pixel is its own top level: its weighted mean, as regulariseFlow's top level computes it.
    const cw = cover.data[0] >= options.minConfidence ? cover.data[0] * cover.data[0] : 0;
    const w = Math.fround(cw);
    flow.data[0] = w > 0 ? Math.fround(cw * flow.data[0]) / w : 0;
    flow.data[1] = w > 0 ? Math.fround(cw * flow.data[1]) / w : 0;
    return;
  }
  poolFinest(flow, cover, options.minConfidence, levels[1]);
  for (let k = 2; k < levels.length; k++) pool(levels[k - 1], levels[k], false);
  const top = levels[levels.length - 1];
  top.u[0] = top.w[0] > 0 ? top.wu[0] / top.w[0] : 0;
  top.v[0] = top.w[0] > 0 ? top.wv[0] / top.w[0] : 0;
  for (let k = levels.length - 2; k >= 1; k--) fillFromCoarseFlat(levels[k], levels[k + 1], options.trusted);
  fillFinest(flow, cover, levels, options);
}

/** The squared-confidence weight of a finest pixel as fillFinest stores it (f32). */
function weightOf(c: number, minConfidence: number): number {
  return Math.fround(c >= minConfidence ? c * c : 0);
}

/**
 * Level 1's sums from the finest pixels, as `pool` sums a stored finest level: each pixel's weight and
 * weighted vector rounded to f32 as that level would hold them, added in the same order.
 */
function poolFinest(flow: FlowField, cover: Plane, minConfidence: number, level: Level): void {
  const { width, height, w, wu, wv } = level;
  w.fill(0);
  wu.fill(0);
  wv.fill(0);
  const f = flow.data;
  const c = cover.data;
  const fw = flow.width;
  for (let y = 0; y < flow.height; y++) {
    const row = Math.min(height - 1, y >> 1) * width;
    for (let x = 0, i = y * fw; x < fw; x++, i++) {
      const j = row + Math.min(width - 1, x >> 1);
      // The weighted vector is taken from the unrounded weight, as the stored level computes it.
      const cw = c[i] >= minConfidence ? c[i] * c[i] : 0;
      w[j] += Math.fround(cw);
      wu[j] += Math.fround(cw * f[2 * i]) * 0.5;
      wv[j] += Math.fround(cw * f[2 * i + 1]) * 0.5;
    }
  }
}

/** The finest level of the top-down pass: only pixels short of full trust are replaced, in place. */
function fillFinest(flow: FlowField, cover: Plane, levels: Level[], options: HoleFillOptions): void {
  const { width, height, data: f } = flow;
  const c = cover.data;
  // The finest level's taps into level 1 (the pyramid's own, its grid is the flow's).
  const { index: columnIndex, weight: columnWeight } = levels[0].columnTaps!;
  const rows = levels[0].rowTaps!;
  const coarse = levels[1];
  const { trusted, minConfidence } = options;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      // A finest cell is one pixel (count 1), and its own vector is the measured one.
      const trust = Math.min(1, weightOf(c[i], minConfidence) / trusted);
      if (trust >= 1) continue;
      tentMean(coarse, columnIndex, columnWeight, rows, x, y, mean);
      let u = mean[0];
      let v = mean[1];
      if (trust > 0) {
        u += (f[2 * i] - u) * trust;
        v += (f[2 * i + 1] - v) * trust;
      }
      f[2 * i] = u;
      f[2 * i + 1] = v;
    }
  }
}

/**
 * The coarse flow at fine pixel (x, y), doubled to the fine grid: the tent-weighted mean of the 3x3 coarse
 * cells around it, summed row by row, column by column (a zero-weight tap adds exactly nothing), into `out`.
 */
function tentMean(
  coarse: Level,
  columnIndex: Int32Array,
  columnWeight: Float64Array,
  rows: Taps,
  x: number,
  y: number,
  out: Float64Array,
): void {
  const { u: cu, v: cv } = coarse;
  const cw = coarse.width;
  let sw = 0;
  let su = 0;
  let sv = 0;
  for (let dy = 0; dy < 3; dy++) {
    const row = rows.index[3 * y + dy] * cw;
    const ty = rows.weight[3 * y + dy];
    for (let dx = 0; dx < 3; dx++) {
      const t = columnWeight[3 * x + dx] * ty;
      const j = row + columnIndex[3 * x + dx];
      sw += t;
      su += t * cu[j];
      sv += t * cv[j];
    }
  }
  // Twice the grid: vectors measured in coarse cells double in this level's pixels.
  out[0] = (2 * su) / sw;
  out[1] = (2 * sv) / sw;
}

/**
 * A level above the finest of the splat-hole fill: fillFromCoarse of regularise-flow.ts without edge-awareness
 * and without a prior, the same sums in the same order (its luma weights would all be 1).
 */
function fillFromCoarseFlat(fine: Level, coarse: Level, trusted: number): void {
  const { width, height, w, wu, wv, count, u: outU, v: outV } = fine;
  const { index: columnIndex, weight: columnWeight } = fine.columnTaps!;
  const rows = fine.rowTaps!;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      const trust = Math.min(1, Math.max(0, w[i]) / (count[i] * trusted));
      const ou = w[i] > 0 ? wu[i] / w[i] : 0;
      const ov = w[i] > 0 ? wv[i] / w[i] : 0;
      if (trust >= 1) {
        outU[i] = ou;
        outV[i] = ov;
        continue;
      }
      tentMean(coarse, columnIndex, columnWeight, rows, x, y, mean);
      outU[i] = trust > 0 ? mean[0] + (ou - mean[0]) * trust : mean[0];
      outV[i] = trust > 0 ? mean[1] + (ov - mean[1]) * trust : mean[1];
    }
  }
}
