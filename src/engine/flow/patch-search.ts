import { PatchAligner } from './inverse-search.js';
import { patchOrigins, type PatchFlows, type SearchLevel } from './patch-grid.js';

/**
 * Dense Inverse Search for one pyramid level: every patch of the grid starts from the (upsampled) coarser flow
 * at its centre, then a forward sweep (top-left to bottom-right) and a backward sweep each try the neighbours'
 * flows already found in that sweep as candidates, keep the one with the lowest SSD and refine it by
 * Gauss-Newton. Propagation is what lets good estimates spread over patches that started wrong.
 *
 * `initU`/`initV` are dense flow planes of this level's size. `searchRadius` > 0 first tries every integer
 * offset within that radius of each patch's start (used on the coarsest level, where it is cheap). `camera`, the
 * global motion's flow on this level where one was found, is one more candidate in both sweeps, taken only where
 * it explains the patch {@link CAMERA_MARGIN} times better than the estimate so far.
 */
export function searchPatches(
  level: SearchLevel,
  initU: Float32Array,
  initV: Float32Array,
  patchSize: number,
  patchStride: number,
  iterations: number,
  searchRadius: number,
  researchRadius = 0,
  camera?: CameraFlow,
): PatchFlows {
  const xs = patchOrigins(level.width, patchSize, patchStride);
  const ys = patchOrigins(level.height, patchSize, patchStride);
  const half = patchSize >> 1;
  const { u, v } = samplePatchCentres({ u: initU, v: initV }, xs, ys, level.width, half);
  const cost = new Float32Array(xs.length * ys.length);
  const aligner = new PatchAligner(level, patchSize);
  if (searchRadius > 0) exhaustiveSearch(aligner, xs, ys, u, v, searchRadius);
  const cameraAtPatch = camera ? samplePatchCentres(camera, xs, ys, level.width, half) : null;
  const forwardIterations = Math.ceil(iterations / 2);
  sweep(aligner, xs, ys, u, v, cost, 1, true, forwardIterations, cameraAtPatch);
  sweep(aligner, xs, ys, u, v, cost, -1, false, iterations - forwardIterations, cameraAtPatch);
  if (researchRadius > 0) research(aligner, xs, ys, u, v, cost, researchRadius, patchSize, iterations);
  return { patchSize, xs, ys, u, v };
}

/** A flow on one level as dense planes of the level's size: the global motion's, a candidate for every patch. */
export interface CameraFlow {
  readonly u: Float32Array;
  readonly v: Float32Array;
}

/**
 * How much better than the propagated estimate the camera's motion must explain a patch to replace it: where
 * the background is still or moves with the camera, the pyramid often hands it an object's or a neighbour's
 * motion that Gauss-Newton cannot leave; but on weak texture any vector fits about as well, and an object that
 * moves on its own must not be flattened into the background. At 3 (every DAVIS and UCF101 triplet, street at
 * g = 16 / 32 / 64; bench/RESULTS.md, seventh session): street g64 18.56 -> 19.15 dB, g32 +0.04, DAVIS -0.014,
 * UCF101 -0.011; at 1, g64 19.27 but DAVIS -0.03 and the crossing case worse.
 */
const CAMERA_MARGIN = 3;

/** A dense flow read at each patch's centre, patches in row-major grid order. */
function samplePatchCentres(
  flow: CameraFlow,
  xs: Int32Array,
  ys: Int32Array,
  width: number,
  half: number,
): CameraFlow {
  const cols = xs.length;
  const u = new Float32Array(cols * ys.length);
  const v = new Float32Array(cols * ys.length);
  for (let r = 0; r < ys.length; r++) {
    const row = (ys[r] + half) * width;
    for (let c = 0; c < cols; c++) {
      u[r * cols + c] = flow.u[row + xs[c] + half];
      v[r * cols + c] = flow.v[row + xs[c] + half];
    }
  }
  return { u, v };
}

/** One propagation sweep; `dir` 1 visits patches in raster order and looks left/up, -1 the reverse. */
function sweep(
  aligner: PatchAligner,
  xs: Int32Array,
  ys: Int32Array,
  u: Float32Array,
  v: Float32Array,
  cost: Float32Array,
  dir: 1 | -1,
  costUnknown: boolean,
  iterations: number,
  camera: CameraFlow | null,
): void {
  const cols = xs.length;
  const rows = ys.length;
  for (let k = 0; k < rows; k++) {
    const r = dir === 1 ? k : rows - 1 - k;
    for (let j = 0; j < cols; j++) {
      const c = dir === 1 ? j : cols - 1 - j;
      const p = r * cols + c;
      const px = xs[c];
      const py = ys[r];
      let bu = u[p];
      let bv = v[p];
      let best = costUnknown ? aligner.costAt(px, py, bu, bv) : cost[p];
      // Where the estimate already is the camera's motion (a still background), there is nothing to compare.
      if (camera !== null && (camera.u[p] !== bu || camera.v[p] !== bv)) {
        const candidate = aligner.costAt(px, py, camera.u[p], camera.v[p]);
        if (CAMERA_MARGIN * candidate < best) {
          best = candidate;
          bu = camera.u[p];
          bv = camera.v[p];
        }
      }
      const side = c - dir;
      if (side >= 0 && side < cols) {
        const q = p - dir;
        const candidate = aligner.costAt(px, py, u[q], v[q]);
        if (candidate < best) {
          best = candidate;
          bu = u[q];
          bv = v[q];
        }
      }
      const across = r - dir;
      if (across >= 0 && across < rows) {
        const q = p - dir * cols;
        const candidate = aligner.costAt(px, py, u[q], v[q]);
        if (candidate < best) {
          best = candidate;
          bu = u[q];
          bv = v[q];
        }
      }
      if (iterations > 0) {
        aligner.prepare(px, py);
        aligner.descend(px, py, bu, bv, iterations);
        bu = aligner.u;
        bv = aligner.v;
        best = aligner.cost;
      }
      u[p] = bu;
      v[p] = bv;
      cost[p] = best;
    }
  }
}

const START_MARGIN = 0.7;

/**
 * Integer block matching around each patch's start. Gauss-Newton only converges within about a patch of the
 * optimum and follows the strongest local structure, so on the tiny coarsest level, where a whole object may
 * be one patch, a brute-force start keeps small moving objects from locking onto the background's motion.
 */
function exhaustiveSearch(
  aligner: PatchAligner,
  xs: Int32Array,
  ys: Int32Array,
  u: Float32Array,
  v: Float32Array,
  radius: number,
): void {
  const cols = xs.length;
  for (let p = 0; p < u.length; p++) {
    const px = xs[p % cols];
    const py = ys[(p / cols) | 0];
    const u0 = Math.round(u[p]);
    const v0 = Math.round(v[p]);
    // The start must be beaten clearly: on weak texture a distant offset often wins by noise alone.
    let best = START_MARGIN * aligner.costAt(px, py, u[p], v[p]);
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        const cost = aligner.integerCostAt(px, py, u0 + dx, v0 + dy);
        if (cost < best) {
          best = cost;
          u[p] = u0 + dx;
          v[p] = v0 + dy;
        }
      }
    }
  }
}

/**
 * Share of the old cost a searched-again estimate must beat: an occluded patch has no true match, and by chance
 * some distant offset fits it better than its flow (0.7, the coarse search's margin: UCF101 -0.03 dB).
 */
const RESEARCH_MARGIN = 0.5;
/**
 * RMS error (luma levels) under which a patch counts as explained by its flow and is not searched again: noise and
 * sub-pixel misalignment of a textured patch stay well under it, a small object the coarser levels lost does not.
 */
const EXPLAINED_RMS = 6;

/**
 * A second, local brute-force search for the patches the sweeps left poorly explained, on the levels below the
 * coarsest. A small fast object (a ball, a hand) vanishes in the coarse levels, so it inherits the background's
 * motion and Gauss-Newton, which only converges within about a patch, cannot leave it; an integer search around
 * the estimate finds it once the level is fine enough to show it. The new estimate is refined and kept only where
 * it beats the old clearly and explains the patch, so well-matched patches and weak texture keep theirs.
 */
function research(
  aligner: PatchAligner,
  xs: Int32Array,
  ys: Int32Array,
  u: Float32Array,
  v: Float32Array,
  cost: Float32Array,
  radius: number,
  patchSize: number,
  iterations: number,
): void {
  const cols = xs.length;
  const explained = EXPLAINED_RMS * EXPLAINED_RMS * patchSize * patchSize;
  for (let p = 0; p < u.length; p++) {
    if (cost[p] <= explained) continue;
    const px = xs[p % cols];
    const py = ys[(p / cols) | 0];
    const u0 = Math.round(u[p]);
    const v0 = Math.round(v[p]);
    let best = RESEARCH_MARGIN * cost[p];
    let bu = NaN;
    let bv = NaN;
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        const c = aligner.integerCostAt(px, py, u0 + dx, v0 + dy);
        if (c < best) {
          best = c;
          bu = u0 + dx;
          bv = v0 + dy;
        }
      }
    }
    if (Number.isNaN(bu)) continue;
    aligner.prepare(px, py);
    aligner.descend(px, py, bu, bv, iterations);
    // Kept only where it explains the patch: an occluded patch has no true match, and the best of many offsets
    // often halves its cost by chance while still leaving it unexplained (street g = 8: -0.05 dB without this).
    if (aligner.cost < cost[p] && aligner.cost <= explained) {
      u[p] = aligner.u;
      v[p] = aligner.v;
      cost[p] = aligner.cost;
    }
  }
}
