import { createFlow } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';
import { levelsFor, pool, type Level } from './regularise-levels.js';

export interface RegulariseOptions {
  /**
   * Mean squared confidence at which a pixel (or a cell of a coarser level) keeps its own flow entirely (0.2: a
   * pixel from a confidence of about 0.45).
   */
  readonly trusted: number;
  /** Luma difference (0..255) at which a coarser cell's flow counts e^-1/2 as much: the edge-awareness. */
  readonly lumaSigma: number;
  /**
   * Weight per pixel of the prior (the global motion's flow) beside the measured flow's confidence, so a region
   * without a single reliable match still moves with the camera rather than with whatever was nearest.
   */
  readonly priorWeight: number;
  /** Vectors less confident than this take no part in the interpolation (they are replaced, not averaged in). */
  readonly minConfidence: number;
}

export const DEFAULT_REGULARISE: RegulariseOptions = {
  // 0.2 against 0.3 (seventh session, bench/RESULTS.md): the sample tunnel 2.69% distorted / 7.54 ghosting
  // against 3.01% / 7.94, street g64 18.56 against 18.45 dB, DAVIS 26.55 against 26.56; lower still raised g64's
  // own distortion (6.2% at 0.1).
  trusted: 0.2,
  lumaSigma: 60,
  priorWeight: 0.02,
  minConfidence: 0.3,
};

/**
 * Replaces unreliable flow by motion interpolated from reliable surroundings, edge-aware, in the spirit of
 * EpicFlow (Revaud et al., CVPR 2015): the confident vectors are pooled into a pyramid of cells (each cell the
 * confidence-weighted mean of what it covers), and every pixel or cell that is not itself trusted takes the
 * coarser level's motion, read from the neighbouring coarse cells whose reliable content looks like it (joint
 * bilateral upsampling by luma). An occluded patch beside a moving car thus moves with the side of the edge it
 * belongs to, a textureless wall with the wall around it, and nothing keeps the noisy per-pixel vectors that
 * fold and smear the picture. Trusted pixels keep their flow unchanged.
 */
export function regulariseFlow(
  flow: FlowField,
  confidence: Plane,
  luma: Plane,
  prior: FlowField | null,
  options: RegulariseOptions = DEFAULT_REGULARISE,
  into?: FlowField,
): FlowField {
  const { width, height } = flow;
  if (
    confidence.width !== width ||
    confidence.height !== height ||
    luma.width !== width ||
    luma.height !== height
  ) {
    throw new RangeError(
      `Expected confidence and luma of ${width}x${height} but received ${confidence.width}x${confidence.height} and ${luma.width}x${luma.height}`,
    );
  }
  const levels = levelsFor(width, height);
  const edgeAware = !lumaIsFlat(options.lumaSigma);
  fillFinest(levels[0], flow, confidence, edgeAware ? luma : null, prior, options);
  for (let k = 1; k < levels.length; k++) pool(levels[k - 1], levels[k], edgeAware);
  // Top down: each level's estimate is its own pooled flow where trusted, else the coarser estimate.
  const top = levels[levels.length - 1];
  top.u[0] = top.w[0] > 0 ? top.wu[0] / top.w[0] : 0;
  top.v[0] = top.w[0] > 0 ? top.wv[0] / top.w[0] : 0;
  const priorShare = prior !== null ? options.priorWeight : 0;
  for (let k = levels.length - 2; k >= 0; k--) {
    fillFromCoarse(levels[k], levels[k + 1], options, k === 0 ? flow.data : null, priorShare);
  }
  const out = into ?? createFlow(width, height);
  const { u, v } = levels[0];
  for (let i = 0; i < width * height; i++) {
    out.data[2 * i] = u[i];
    out.data[2 * i + 1] = v[i];
  }
  return out;
}

function fillFinest(
  level: Level,
  flow: FlowField,
  confidence: Plane,
  luma: Plane | null,
  prior: FlowField | null,
  { priorWeight, minConfidence }: RegulariseOptions,
): void {
  const n = flow.width * flow.height;
  const f = flow.data;
  const c = confidence.data;
  // Without edge-awareness (luma null) the luma is never read, so it is not copied either.
  const l = luma === null ? null : luma.data;
  for (let i = 0; i < n; i++) {
    // Squared: a half-trusted vector counts a quarter, so the fill leans on the clearly consistent ones.
    const cw = c[i] >= minConfidence ? c[i] * c[i] : 0;
    let w = cw;
    let wu = cw * f[2 * i];
    let wv = cw * f[2 * i + 1];
    if (prior !== null && priorWeight > 0) {
      w += priorWeight;
      wu += priorWeight * prior.data[2 * i];
      wv += priorWeight * prior.data[2 * i + 1];
    }
    level.w[i] = w;
    level.wu[i] = wu;
    level.wv[i] = wv;
    if (l !== null) {
      level.wl[i] = w * l[i];
      level.luma[i] = l[i];
    }
  }
}

/**
 * One level of the top-down pass. A cell's trust is its mean weight over `trusted`; its estimate mixes its own
 * pooled flow by that trust with the coarse flow, read from the 3x3 coarse cells around it by a tent in space
 * times a Gaussian in luma between this cell and the reliable content of each coarse cell. Where the Gaussian
 * cannot differ from 1 (a sigma far above the luma range: the splat-hole fill), it is not evaluated at all.
 */
function fillFromCoarse(
  fine: Level,
  coarse: Level,
  options: RegulariseOptions,
  own: Float32Array | null,
  priorShare: number,
): void {
  const { width, height } = fine;
  const { u: cu, v: cv } = coarse;
  const { u: outU, v: outV } = fine;
  const cw = coarse.width;
  const inv2s2 = 1 / (2 * options.lumaSigma * options.lumaSigma);
  const edgeAware = !lumaIsFlat(options.lumaSigma);
  // The reliable luma of each coarse cell, once per cell rather than once per reading neighbour.
  const coarseLuma = edgeAware ? reliableLuma(coarse) : null;
  const { index: columnIndex, weight: columnWeight } = fine.columnTaps!;
  const rows = fine.rowTaps!;
  const { w: fineW, wu: fineWu, wv: fineWv, count, luma } = fine;
  const trusted = options.trusted;
  for (let y = 0; y < height; y++) {
    const r0 = rows.index[3 * y] * cw;
    const r1 = rows.index[3 * y + 1] * cw;
    const r2 = rows.index[3 * y + 2] * cw;
    const ty0 = rows.weight[3 * y];
    const ty1 = rows.weight[3 * y + 1];
    const ty2 = rows.weight[3 * y + 2];
    for (let x = 0, i = y * width; x < width; x++, i++) {
      // At full resolution only the measured confidence earns trust in the measured vector, not the prior.
      const earned = own === null ? fineW[i] : fineW[i] - priorShare;
      const trust = Math.min(1, Math.max(0, earned) / (count[i] * trusted));
      // At full resolution a pixel's own vector is the measured one, without the prior pooled into it.
      const ou = own === null ? (fineW[i] > 0 ? fineWu[i] / fineW[i] : 0) : own[2 * i];
      const ov = own === null ? (fineW[i] > 0 ? fineWv[i] / fineW[i] : 0) : own[2 * i + 1];
      if (trust >= 1) {
        // Trusted: its own vector, and no need to read the coarse level (most pixels of a hole fill).
        outU[i] = ou;
        outV[i] = ov;
        continue;
      }
      const l = coarseLuma !== null ? luma[i] : 0;
      let sw = 0;
      let su = 0;
      let sv = 0;
      let fallbackW = 0;
      let fallbackU = 0;
      let fallbackV = 0;
      // Row by row, column by column, in the order the sums were always taken (zero weights add nothing).
      for (let dy = 0; dy < 3; dy++) {
        const ty = dy === 0 ? ty0 : dy === 1 ? ty1 : ty2;
        if (ty <= 0) continue;
        const row = dy === 0 ? r0 : dy === 1 ? r1 : r2;
        for (let dx = 0; dx < 3; dx++) {
          const space = columnWeight[3 * x + dx] * ty;
          if (space <= 0) continue;
          const j = row + columnIndex[3 * x + dx];
          let wgt = space;
          if (coarseLuma !== null) {
            const d = l - coarseLuma[j];
            wgt = space * Math.exp(-d * d * inv2s2);
          }
          sw += wgt;
          su += wgt * cu[j];
          sv += wgt * cv[j];
          fallbackW += space;
          fallbackU += space * cu[j];
          fallbackV += space * cv[j];
        }
      }
      // Twice the grid: vectors measured in coarse cells double in this level's pixels.
      let u: number;
      let v: number;
      if (sw > 1e-6) {
        u = (2 * su) / sw;
        v = (2 * sv) / sw;
      } else {
        u = (2 * fallbackU) / fallbackW;
        v = (2 * fallbackV) / fallbackW;
      }
      if (trust > 0) {
        u += (ou - u) * trust;
        v += (ov - v) * trust;
      }
      outU[i] = u;
      outV[i] = v;
    }
  }
}

/**
 * Luma differences are at most 255, so below this the Gaussian's exponent stays under 1e-9 for every pair:
 * every weight is 1 to float precision and the luma need not be pooled or compared.
 */
function lumaIsFlat(lumaSigma: number): boolean {
  return (255 * 255) / (2 * lumaSigma * lumaSigma) < 1e-9;
}

/** Per coarse cell: the weighted mean luma of its reliable content, or its plain mean where it has none. */
function reliableLuma(level: Level): Float64Array {
  const n = level.width * level.height;
  const out = level.reliableLuma;
  for (let j = 0; j < n; j++) out[j] = level.w[j] > 0 ? level.wl[j] / level.w[j] : level.luma[j];
  return out;
}
