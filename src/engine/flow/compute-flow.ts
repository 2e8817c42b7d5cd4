import type { FlowField, Plane } from '../raster/types.js';
import { densify } from './densify.js';
import { homographyFlow } from './homography-flow.js';
import { resolveFlowOptions, type FlowOptions, type ResolvedFlowOptions } from './options.js';
import { searchPatches, type CameraFlow } from './patch-search.js';
import { buildPyramid, coarsestLevel, searchLevel } from './pyramid.js';
import { interleave, resizeComponent } from './resize-flow.js';
import { refineFlow } from './variational-refine.js';

/** Replicated margin around `to` at every level; patches are kept inside it. Matches OpenCV's DIS. */
const BORDER = 16;

/** Integer search radius on the coarsest level, in that level's pixels (a quarter of a patch of 8 across). */
const COARSE_SEARCH_RADIUS = 4;

/**
 * Dense optical flow by Dense Inverse Search (Kroeger et al., ECCV 2016): for every pixel x of `from`, F(x) with
 * from(x) ~ to(x + F(x)). Coarse to fine over a factor-2 pyramid; per level, patch flows by inverse-compositional
 * Gauss-Newton with spatial propagation, densified by error-weighted averaging, then variationally refined.
 * Deterministic and allocation-bounded; both planes must have the same size.
 */
export function computeFlow(from: Plane, to: Plane, options?: FlowOptions): FlowField {
  if (from.width !== to.width || from.height !== to.height) {
    throw new RangeError(
      `Expected planes of the same size for to but received ${to.width}x${to.height} against ${from.width}x${from.height}`,
    );
  }
  const { width, height } = from;
  if (width < 1 || height < 1) {
    throw new RangeError(`Expected a non-empty plane for from but received ${width}x${height}`);
  }
  const o = resolveFlowOptions(options);
  // Never compute on a level smaller than one patch: past that the finest usable level is the coarsest one.
  const maxLevel = Math.max(0, Math.floor(Math.log2(Math.min(width, height) / o.patchSize)));
  const finest = Math.min(o.finestLevel, maxLevel);
  const coarsest = coarsestLevel(width, height, o.patchSize, finest);
  const pyramid0 = buildPyramid(from, coarsest + 1);
  const pyramid1 = buildPyramid(to, coarsest + 1);

  let u = new Float32Array(0);
  let v = new Float32Array(0);
  let prevW = 0;
  let prevH = 0;
  for (let level = coarsest; level >= finest; level--) {
    const i0 = pyramid0[level];
    const i1 = pyramid1[level];
    const lw = i0.width;
    const lh = i0.height;
    const initU = new Float32Array(lw * lh);
    const initV = new Float32Array(lw * lh);
    if (level === coarsest) {
      if (o.initialHomography !== undefined) {
        homographyFlow(o.initialHomography, lw, lh, width / lw, height / lh, initU, initV);
      }
    } else {
      resizeComponent(u, prevW, prevH, initU, lw, lh, lw / prevW);
      resizeComponent(v, prevW, prevH, initV, lw, lh, lh / prevH);
    }
    u = new Float32Array(lw * lh);
    v = new Float32Array(lw * lh);
    // The coarsest level already starts from the global motion; below it, the motion is one more candidate.
    let camera: CameraFlow | undefined;
    if (o.initialHomography !== undefined && level < coarsest) {
      camera = { u: new Float32Array(lw * lh), v: new Float32Array(lw * lh) };
      homographyFlow(o.initialHomography, lw, lh, width / lw, height / lh, camera.u, camera.v);
    }
    solveLevel(
      i0,
      i1,
      initU,
      initV,
      u,
      v,
      o,
      level === coarsest ? COARSE_SEARCH_RADIUS : 0,
      level === finest ? o.finestRefinePasses : 1,
      level,
      finest,
      camera,
    );
    prevW = lw;
    prevH = lh;
  }
  if (prevW === width && prevH === height) return interleave(u, v, width, height);
  const fu = new Float32Array(width * height);
  const fv = new Float32Array(width * height);
  resizeComponent(u, prevW, prevH, fu, width, height, width / prevW);
  resizeComponent(v, prevW, prevH, fv, width, height, height / prevH);
  return interleave(fu, fv, width, height);
}

/** One pyramid level: inverse search from the initial flow, densification, `refinePasses` variational refinements. */
function solveLevel(
  i0: Plane,
  i1: Plane,
  initU: Float32Array,
  initV: Float32Array,
  u: Float32Array,
  v: Float32Array,
  o: ResolvedFlowOptions,
  searchRadius: number,
  refinePasses: number,
  levelIndex: number,
  finestLevel: number,
  camera: CameraFlow | undefined,
): void {
  const { width, height } = i0;
  if (width >= o.patchSize && height >= o.patchSize) {
    const level = searchLevel(i0, i1, BORDER);
    const flows = searchPatches(
      level,
      initU,
      initV,
      o.patchSize,
      o.patchStride,
      o.iterations,
      searchRadius,
      // Not on the finest level: an object small enough to need it shows on the level above, at a quarter of
      // the cost, and there the search reaches twice as far (with it: DAVIS every 2nd -0.005 dB, UCF101 -0.02 dB).
      searchRadius > 0 || levelIndex === finestLevel ? 0 : o.researchRadius,
      camera,
    );
    densify(level, flows, u, v, o.densifyErrorScale);
  } else {
    u.set(initU);
    v.set(initV);
  }
  // Each pass warps the frames again by the flow refined so far. On coarser levels more passes measured worse
  // (their extra smoothing carries down the pyramid: UCF101 -0.1 dB), so only the finest level takes several.
  for (let pass = 0; pass < refinePasses; pass++) {
    refineFlow(i0.data, i1.data, width, height, u, v, {
      alpha: o.alpha,
      delta: o.delta,
      gamma: o.gamma,
      fixedPointIterations: o.variationalIterations,
      sorIterations: o.sorIterations,
    });
  }
}
