import type { FlowField, Plane } from '../raster/types.js';
import { flowConfidence } from './consistency.js';
import { integerWindowError, windowError } from './window-error.js';

/** Knobs of {@link searchWideBothWays}. */
export interface WideSearchOptions {
  /** Distance between the grid points searched, in pixels; a found vector serves the cell around its point. */
  readonly stride: number;
  /** Reach of the search around the point's own vector, in pixels. */
  readonly radius: number;
  /** Step of the first pass over the offsets; the second tries every offset within a step of the best. */
  readonly coarseStep: number;
  /** Radius of the window a vector is judged on. */
  readonly windowRadius: number;
  /**
   * Mean absolute luma error (0..255) of the window over which its own vector counts as unexplained, and
   * within which a found vector must explain it.
   */
  readonly explained: number;
  /** Share of the own vector's error that the found one must stay under. */
  readonly margin: number;
  /**
   * Passes that grow what was taken into the pixels beside it, each pixel taking a neighbour's found vector
   * where that explains its own window better than its vector does.
   */
  readonly spread: number;
  /** Neighbouring grid points (of 8) that must find a vector within `agreement` pixels of a point's. */
  readonly neighbours: number;
  readonly agreement: number;
  /**
   * Share of consistently matched pixels under which nothing is searched (the caller's gate): where little is
   * matched, most windows are unexplained, the search costs the most, and a chance fit is likeliest.
   */
  readonly minMatchedShare: number;
}

/**
 * Tuned in bench/tune-quality.ts (bench/RESULTS.md, ninth session): DAVIS +0.10 dB, UCF101 +0.15 dB, the long
 * gaps, the tunnel and the synthetic cases unchanged. Without the spread (+0.07 and +0.06 dB), a hand came out
 * as fragments: the cells that took its vector, and between them the ones that kept the body's. Without the
 * confirmation by the other direction, DAVIS gained a third as much and the background an object uncovers took chance fits (the leaving case's error
 * there 27 -> 40); a radius of 24 found less (-0.04 dB), 56 no more, and a stride of 6 lost most of the gain.
 */
export const DEFAULT_WIDE_SEARCH: WideSearchOptions = {
  stride: 4,
  radius: 42,
  coarseStep: 3,
  windowRadius: 4,
  explained: 20,
  margin: 0.7,
  spread: 6,
  neighbours: 1,
  agreement: 3,
  minMatchedShare: 0.6,
};

/** Both directions of a pair's flow. */
export interface FlowPair {
  readonly forward: FlowField;
  readonly backward: FlowField;
}

/**
 * Both flows with the windows their vectors leave unexplained given a vector found by brute force far from
 * their own, kept only where the other direction confirms it.
 *
 * A limb that swings or a hand that moves 30 px against a body that moves 5 is lost on the coarse levels of the
 * flow's pyramid, where it is a fraction of a patch, and Gauss-Newton on the finer levels cannot leave the
 * body's motion it inherited. Both directions can then agree on that wrong motion, so the consistency test
 * passes it, and the hand is drawn twice, faded. Its window tells: carried by its vector it lands on fur, 30 to
 * 100 luma levels off. An integer search over a wide square around the vector (coarse, then refined) finds
 * where the window really went. A fit that chance offers, in an occluded region or on a repeated texture, is
 * kept only where the other direction's search found its inverse too: two chance fits rarely point at each
 * other.
 */
export function searchWideBothWays(
  flows: FlowPair,
  start: Plane,
  end: Plane,
  options: WideSearchOptions = DEFAULT_WIDE_SEARCH,
): FlowPair {
  const forward = searchWide(flows.forward, start, end, options);
  const backward = searchWide(flows.backward, end, start, options);
  return {
    forward: keepConfirmed(forward, flows.forward, flowConfidence(forward, backward)),
    backward: keepConfirmed(backward, flows.backward, flowConfidence(backward, forward)),
  };
}

/** `found` (written in place) with its own vectors back wherever a found one fails the consistency test. */
function keepConfirmed(found: FlowField, own: FlowField, consistency: Plane): FlowField {
  const f = found.data;
  const o = own.data;
  for (let i = 0; i < consistency.data.length; i++) {
    if (consistency.data[i] >= 0.5) continue;
    f[2 * i] = o[2 * i];
    f[2 * i + 1] = o[2 * i + 1];
  }
  return found;
}

/** `flow` with each unexplained grid cell given the vector the wide search found for its point, where it fits. */
function searchWide(flow: FlowField, from: Plane, to: Plane, options: WideSearchOptions): FlowField {
  const { width, height, data: f } = flow;
  const s = options.stride;
  const cols = Math.ceil(width / s);
  const rows = Math.ceil(height / s);
  const found = findAtGridPoints(flow, from, to, options, cols, rows);
  const own = ownErrors(flow, from, to);
  const out = new Float32Array(f);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const g = r * cols + c;
      const u = found[2 * g];
      if (Number.isNaN(u)) continue;
      const v = found[2 * g + 1];
      // A lone fit among points that found nothing alike is more likely chance than a missed region.
      if (agreeingNeighbours(found, r, c, cols, rows, options.agreement) < options.neighbours) continue;
      for (let y = r * s; y < Math.min(height, (r + 1) * s); y++) {
        for (let x = c * s; x < Math.min(width, (c + 1) * s); x++) {
          const i = y * width + x;
          // Each pixel of the cell keeps its own vector where that explains its own neighbourhood better.
          if (windowError(from, to, x, y, u, v, PIXEL_RADIUS) >= own(x, y)) continue;
          out[2 * i] = u;
          out[2 * i + 1] = v;
        }
      }
    }
  }
  spreadTaken(flow, out, from, to, own, options.spread);
  return { width, height, data: out };
}

/** Radius of the window each pixel judges a found vector against its own on. */
const PIXEL_RADIUS = 2;

/**
 * Each pixel's error under its own vector over its {@link PIXEL_RADIUS} window, computed when first asked:
 * the cells and every pass of the spread ask for the same pixels again, and most pixels are never asked.
 */
function ownErrors(flow: FlowField, from: Plane, to: Plane): (x: number, y: number) => number {
  const { width, data: f } = flow;
  const cache = new Float32Array(width * flow.height).fill(NaN);
  return (x, y) => {
    const i = y * width + x;
    if (Number.isNaN(cache[i])) cache[i] = windowError(from, to, x, y, f[2 * i], f[2 * i + 1], PIXEL_RADIUS);
    return cache[i];
  };
}

/**
 * Grows the pixels whose vector `out` changed from `flow` by `passes` pixels: a pixel beside one takes that
 * one's vector where it explains the pixel's own 5x5 window better than its own vector does. The grid cells
 * that took a find leave gaps between them over a region the search found (a cell whose point fell on an
 * edge, or whose neighbours found nothing alike), and the region came out in fragments.
 */
function spreadTaken(
  flow: FlowField,
  out: Float32Array,
  from: Plane,
  to: Plane,
  own: (x: number, y: number) => number,
  passes: number,
): void {
  const { width, height, data: f } = flow;
  const n = width * height;
  const taken = new Uint8Array(n);
  for (let i = 0; i < n; i++) taken[i] = out[2 * i] !== f[2 * i] || out[2 * i + 1] !== f[2 * i + 1] ? 1 : 0;
  for (let pass = 0; pass < passes; pass++) {
    const next = taken.slice();
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if (taken[i]) continue;
        for (const j of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i - width, i + width]) {
          if (j < 0 || j >= n || !taken[j]) continue;
          if (windowError(from, to, x, y, out[2 * j], out[2 * j + 1], PIXEL_RADIUS) >= own(x, y)) continue;
          out[2 * i] = out[2 * j];
          out[2 * i + 1] = out[2 * j + 1];
          next[i] = 1;
          break;
        }
      }
    }
    taken.set(next);
  }
}

/** Per grid point (row-major), the vector found for its unexplained window, or NaN where none was taken. */
function findAtGridPoints(
  flow: FlowField,
  from: Plane,
  to: Plane,
  options: WideSearchOptions,
  cols: number,
  rows: number,
): Float32Array {
  const { width, height, data: f } = flow;
  const s = options.stride;
  const found = new Float32Array(2 * cols * rows).fill(NaN);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = Math.min(width - 1, c * s + (s >> 1));
      const y = Math.min(height - 1, r * s + (s >> 1));
      const i = y * width + x;
      const own = windowError(from, to, x, y, f[2 * i], f[2 * i + 1], options.windowRadius);
      if (own <= options.explained) continue;
      const best = searchAround(from, to, x, y, Math.round(f[2 * i]), Math.round(f[2 * i + 1]), options);
      if (best === null || best.error > options.explained || best.error >= options.margin * own) continue;
      found[2 * (r * cols + c)] = best.u;
      found[2 * (r * cols + c) + 1] = best.v;
    }
  }
  return found;
}

function agreeingNeighbours(
  found: Float32Array,
  r: number,
  c: number,
  cols: number,
  rows: number,
  agreement: number,
): number {
  const g = r * cols + c;
  let agree = 0;
  for (let dr = -1; dr <= 1; dr++) {
    for (let dc = -1; dc <= 1; dc++) {
      if ((dr === 0 && dc === 0) || r + dr < 0 || r + dr >= rows || c + dc < 0 || c + dc >= cols) continue;
      const h = (r + dr) * cols + c + dc;
      // NaN (nothing found there) compares false.
      const du = found[2 * h] - found[2 * g];
      const dv = found[2 * h + 1] - found[2 * g + 1];
      if (du * du + dv * dv <= agreement * agreement) agree++;
    }
  }
  return agree;
}

/** The first pass judges every other pixel of the window: a quarter of the work, and enough to rank offsets. */
const COARSE_SAMPLING = 2;

/** The integer vector within `radius` of (cu, cv) that best explains the window at (x, y): coarse, then fine. */
function searchAround(
  from: Plane,
  to: Plane,
  x: number,
  y: number,
  cu: number,
  cv: number,
  options: WideSearchOptions,
): { u: number; v: number; error: number } | null {
  const { radius, coarseStep: step, windowRadius } = options;
  let coarse = Infinity;
  let bu = 0;
  let bv = 0;
  for (let v = cv - radius; v <= cv + radius; v += step) {
    for (let u = cu - radius; u <= cu + radius; u += step) {
      const e = integerWindowError(from, to, x, y, u, v, windowRadius, COARSE_SAMPLING, coarse);
      if (e < coarse) {
        coarse = e;
        bu = u;
        bv = v;
      }
    }
  }
  if (coarse === Infinity) return null;
  let error = Infinity;
  let ru = bu;
  let rv = bv;
  for (let v = bv - step; v <= bv + step; v++) {
    for (let u = bu - step; u <= bu + step; u++) {
      const e = integerWindowError(from, to, x, y, u, v, windowRadius, 1, error);
      if (e < error) {
        error = e;
        ru = u;
        rv = v;
      }
    }
  }
  return error === Infinity ? null : { u: ru, v: rv, error };
}
