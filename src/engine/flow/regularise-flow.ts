import { createFlow } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';

export interface RegulariseOptions {
  /** Mean confidence at which a pixel (or a cell of a coarser level) keeps its own flow entirely. */
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
  trusted: 0.3,
  lumaSigma: 60,
  priorWeight: 0.02,
  minConfidence: 0.3,
};

interface Level {
  readonly width: number;
  readonly height: number;
  /** Sums over the cell: weight, weight * u, weight * v, weight * luma. */
  readonly w: Float32Array;
  readonly wu: Float32Array;
  readonly wv: Float32Array;
  readonly wl: Float32Array;
  /** Plain mean luma of the cell and the cell's pixel count. */
  readonly luma: Float32Array;
  readonly count: Float32Array;
  /** The level's estimate, written by the top-down pass. */
  readonly u: Float32Array;
  readonly v: Float32Array;
}

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
  fillFinest(levels[0], flow, confidence, luma, prior, options);
  for (let k = 1; k < levels.length; k++) pool(levels[k - 1], levels[k]);
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

// The synthesis fills splat holes with this function twice a frame: one pyramid per thread, kept between calls
// of the same size, saves the garbage collector ~5 MB a call. Every call overwrites what it reads.
let cached: Level[] | null = null;

function levelsFor(width: number, height: number): Level[] {
  if (cached?.[0].width === width && cached[0].height === height) return cached;
  const levels = [emptyLevel(width, height)];
  while (levels[levels.length - 1].width > 1 || levels[levels.length - 1].height > 1) {
    const last = levels[levels.length - 1];
    levels.push(emptyLevel(Math.max(1, Math.ceil(last.width / 2)), Math.max(1, Math.ceil(last.height / 2))));
  }
  cached = levels;
  return levels;
}

function fillFinest(
  level: Level,
  flow: FlowField,
  confidence: Plane,
  luma: Plane,
  prior: FlowField | null,
  { priorWeight, minConfidence }: RegulariseOptions,
): void {
  const n = flow.width * flow.height;
  const f = flow.data;
  const c = confidence.data;
  const l = luma.data;
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
    level.wl[i] = w * l[i];
    level.luma[i] = l[i];
    level.count[i] = 1;
  }
}

function emptyLevel(width: number, height: number): Level {
  const n = width * height;
  return {
    width,
    height,
    w: new Float32Array(n),
    wu: new Float32Array(n),
    wv: new Float32Array(n),
    wl: new Float32Array(n),
    luma: new Float32Array(n),
    count: new Float32Array(n),
    u: new Float32Array(n),
    v: new Float32Array(n),
  };
}

/** Sums 2x2 cells into the next level; vectors halve with the grid, odd edges fold into the last cell. */
function pool(fine: Level, level: Level): void {
  const { width, height } = level;
  level.w.fill(0);
  level.wu.fill(0);
  level.wv.fill(0);
  level.wl.fill(0);
  level.luma.fill(0);
  level.count.fill(0);
  for (let y = 0; y < fine.height; y++) {
    const cy = Math.min(height - 1, y >> 1);
    for (let x = 0; x < fine.width; x++) {
      const cx = Math.min(width - 1, x >> 1);
      const i = y * fine.width + x;
      const j = cy * width + cx;
      level.w[j] += fine.w[i];
      level.wu[j] += fine.wu[i] * 0.5;
      level.wv[j] += fine.wv[i] * 0.5;
      level.wl[j] += fine.wl[i];
      level.luma[j] += fine.luma[i] * fine.count[i];
      level.count[j] += fine.count[i];
    }
  }
  for (let j = 0; j < width * height; j++) level.luma[j] /= level.count[j];
}

/**
 * One level of the top-down pass. A cell's trust is its mean weight over `trusted`; its estimate mixes its own
 * pooled flow by that trust with the coarse flow, read from the 3x3 coarse cells around it by a tent in space
 * times a Gaussian in luma between this cell and the reliable content of each coarse cell.
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
  const ch = coarse.height;
  const inv2s2 = 1 / (2 * options.lumaSigma * options.lumaSigma);
  // Coarse cell c covers fine pixels 2c and 2c + 1: its centre is at fine coordinate 2c + 0.5.
  const sx = 0.5;
  const sy = 0.5;
  for (let y = 0; y < height; y++) {
    const fy = (y + 0.5) * sy - 0.5;
    const y0 = Math.floor(fy);
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // At full resolution only the measured confidence earns trust in the measured vector, not the prior.
      const earned = own === null ? fine.w[i] : fine.w[i] - priorShare;
      const trust = Math.min(1, Math.max(0, earned) / (fine.count[i] * options.trusted));
      // At full resolution a pixel's own vector is the measured one, without the prior pooled into it.
      const ou = own === null ? (fine.w[i] > 0 ? fine.wu[i] / fine.w[i] : 0) : own[2 * i];
      const ov = own === null ? (fine.w[i] > 0 ? fine.wv[i] / fine.w[i] : 0) : own[2 * i + 1];
      if (trust >= 1) {
        // Trusted: its own vector, and no need to read the coarse level (most pixels of a hole fill).
        outU[i] = ou;
        outV[i] = ov;
        continue;
      }
      const fx = (x + 0.5) * sx - 0.5;
      const x0 = Math.floor(fx);
      const l = fine.luma[i];
      let sw = 0;
      let su = 0;
      let sv = 0;
      let fallbackW = 0;
      let fallbackU = 0;
      let fallbackV = 0;
      for (let dy = -1; dy <= 2; dy++) {
        const yy = y0 + dy;
        if (yy < 0 || yy >= ch) continue;
        const ty = Math.max(0, 1.5 - Math.abs(yy - fy)) / 1.5;
        for (let dx = -1; dx <= 2; dx++) {
          const xx = x0 + dx;
          if (xx < 0 || xx >= cw) continue;
          const tx = Math.max(0, 1.5 - Math.abs(xx - fx)) / 1.5;
          const space = tx * ty;
          if (space <= 0) continue;
          const j = yy * cw + xx;
          const cl = coarse.w[j] > 0 ? coarse.wl[j] / coarse.w[j] : coarse.luma[j];
          const d = l - cl;
          const wgt = space * Math.exp(-d * d * inv2s2);
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
