import type { Homography, Plane } from '../raster/types.js';
import { describeCameraMotion } from './camera-motion.js';
import { detectCorners, type Corner } from './corners.js';
import { DESCRIPTOR_MARGIN, describeCorners, type FeatureSet } from './descriptors.js';
import {
  applyHomography,
  identityHomography,
  multiplyHomography,
  normalizeHomography,
  pixelScaleHomography,
} from './homography.js';
import { matchFeatures } from './match.js';
import { buildScalePyramid, downscaleByInteger, type ScaleLevel } from './pyramid.js';
import { fitHomographyRansac } from './ransac.js';
import { alignmentResidual } from './verify.js';

/** The camera-like motion between two frames. */
export interface GlobalMotion {
  /** Maps (x, y, 1) of a `from` pixel to `to` pixel coordinates, at the planes' own resolution; h[8] = 1. */
  readonly homography: Homography;
  /** Correspondences consistent with the homography. */
  readonly inliers: number;
  /** Putative correspondences that survived the ratio and mutual checks. */
  readonly matches: number;
  /** inliers / matches: near 1 for a clean camera move, low when the scene moved or the match is doubtful. */
  readonly inlierRatio: number;
}

/** Tuning knobs; every field is optional and defaults are meant for keyframes of any size. */
export interface GlobalMotionOptions {
  /** Target long side of the working copy, px (an integer downscale gets close to it). Default 400. */
  readonly workingSize?: number;
  /** Corners kept per image over all pyramid levels. Default 500. */
  readonly maxFeatures?: number;
  /** Pyramid levels for zoom tolerance. Default 4. */
  readonly levels?: number;
  /** Scale between pyramid levels. Default 0.8. */
  readonly levelStep?: number;
  /**
   * Descriptor orientation. 'upright' matches best without camera roll (it tolerates about 15 degrees);
   * 'oriented' steers each patch by its intensity centroid and survives any roll at some cost in matches;
   * 'auto' tries upright and falls back to oriented when that finds nothing. Default 'auto'.
   */
  readonly orientation?: 'upright' | 'oriented' | 'auto';
  /** Lowe ratio. Default 0.8. */
  readonly ratio?: number;
  /** RANSAC inlier bound in working-resolution pixels. Default 2.5. */
  readonly ransacThreshold?: number;
  /** RANSAC iteration cap. Default 2000. */
  readonly maxIterations?: number;
  /** Fewer inliers than this returns null. Default 12. */
  readonly minInliers?: number;
  /** A lower inlier ratio than this returns null. Default 0.2. */
  readonly minInlierRatio?: number;
  /** Seed of the RANSAC sampler. Default 1. */
  readonly seed?: number;
}

type ResolvedOptions = Required<GlobalMotionOptions>;

const DEFAULTS: ResolvedOptions = {
  workingSize: 400,
  maxFeatures: 500,
  levels: 4,
  levelStep: 0.8,
  orientation: 'auto',
  ratio: 0.8,
  ransacThreshold: 2.5,
  maxIterations: 2000,
  minInliers: 12,
  minInlierRatio: 0.2,
  seed: 1,
};

function resolveOptions(options: GlobalMotionOptions): ResolvedOptions {
  const out: ResolvedOptions = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ResolvedOptions)[]) {
    if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  }
  return out;
}

/**
 * Estimates the homography between two keyframes from sparse features: corners on a small scale pyramid of a
 * downscaled copy, 256-bit binary descriptors, ratio-tested mutual matches, seeded RANSAC and a refinement on
 * the inliers. Deterministic for a given input and options.
 *
 * Returns null when the evidence is too thin (few inliers, a low inlier ratio, a flat image, an implausible
 * transform, or one that does not explain the pixels better than no motion); the caller then assumes none.
 * Throws a RangeError when the planes differ in size.
 */
export function estimateGlobalMotion(
  from: Plane,
  to: Plane,
  options: GlobalMotionOptions = {},
): GlobalMotion | null {
  if (from.width !== to.width || from.height !== to.height) {
    throw new RangeError(
      `Expected planes of the same size for from and to but received ${from.width}x${from.height} and ${to.width}x${to.height}`,
    );
  }
  const o = resolveOptions(options);
  const factor = Math.max(1, Math.round(Math.max(from.width, from.height) / o.workingSize));
  const small = [downscaleByInteger(from, factor), downscaleByInteger(to, factor)] as const;
  const detected = small.map((plane) => detectFeatures(plane, o));
  const attempts: boolean[] = o.orientation === 'auto' ? [false, true] : [o.orientation === 'oriented'];
  for (const oriented of attempts) {
    const found = fitOnce(
      small,
      detected.map(({ pyramid, corners }) => describeCorners(pyramid, corners, oriented)),
      o,
    );
    if (!found) continue;
    const up = pixelScaleHomography(factor, factor);
    const down = pixelScaleHomography(1 / factor, 1 / factor);
    const homography = normalizeHomography(
      multiplyHomography(up, multiplyHomography(found.homography, down)),
    );
    return { ...found, homography };
  }
  return null;
}

function detectFeatures(plane: Plane, o: ResolvedOptions): { pyramid: ScaleLevel[]; corners: Corner[][] } {
  const pyramid = buildScalePyramid(plane, o.levels, o.levelStep, 4 * DESCRIPTOR_MARGIN);
  const total = pyramid.reduce((sum, l) => sum + l.plane.width * l.plane.height, 0);
  const corners = pyramid.map((l) =>
    detectCorners(l.plane, {
      margin: DESCRIPTOR_MARGIN,
      // Budget by area, as ORB does: coarse levels see less and would otherwise crowd out the fine one.
      maxCorners: Math.ceil((o.maxFeatures * l.plane.width * l.plane.height) / total),
      cellSize: 32,
      minResponse: 20,
      relativeThreshold: 0.002,
    }),
  );
  return { pyramid, corners };
}

/** Match, fit and vet one descriptor variant; the homography is in working-resolution pixels. */
function fitOnce(
  small: readonly [Plane, Plane],
  features: FeatureSet[],
  o: ResolvedOptions,
): GlobalMotion | null {
  const matches = matchFeatures(features[0], features[1], { ratio: o.ratio, maxDistance: 80, sameRadius: 3 });
  if (matches.count < o.minInliers) return null;
  const fit = fitHomographyRansac(matches, {
    threshold: o.ransacThreshold,
    maxIterations: o.maxIterations,
    confidence: 0.999,
    seed: o.seed,
  });
  if (!fit) return null;
  const inlierRatio = fit.inlierCount / matches.count;
  if (fit.inlierCount < o.minInliers || inlierRatio < o.minInlierRatio) return null;
  if (!plausible(fit.homography, small[0].width, small[0].height)) return null;
  // The pixels must agree: the fit has to explain the pair better than no motion at all.
  const step = Math.max(1, Math.round(Math.max(small[0].width, small[0].height) / 160));
  const moved = alignmentResidual(small[0], small[1], fit.homography, step);
  const still = alignmentResidual(small[0], small[1], identityHomography(), step);
  if (moved.overlap < MIN_OVERLAP || moved.error > still.error) return null;
  return { homography: fit.homography, inliers: fit.inlierCount, matches: matches.count, inlierRatio };
}

/** Below this share of the first frame landing inside the second, a residual says little. */
const MIN_OVERLAP = 0.1;

/**
 * Keyframes of one shot never turn the picture inside out: every corner must stay in front of the camera and
 * the scale at the centre within a factor of four. Anything else is a chance alignment of outliers.
 */
function plausible(h: Homography, width: number, height: number): boolean {
  if (!h.every(Number.isFinite)) return false;
  for (const [x, y] of [
    [0, 0],
    [width - 1, 0],
    [0, height - 1],
    [width - 1, height - 1],
  ]) {
    if (h[6] * x + h[7] * y + h[8] <= 0) return false;
    const [u, v] = applyHomography(h, x, y);
    if (!Number.isFinite(u) || !Number.isFinite(v)) return false;
  }
  const { zoom } = describeCameraMotion(h, width, height);
  return zoom > 0.25 && zoom < 4;
}
