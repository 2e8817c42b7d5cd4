import { applyHomography, identityHomography } from '../motion/index.js';
import type { Homography } from '../raster/types.js';
import { MIN_CONFIDENCE, type DenseMotion } from './flow-camera.js';

/** A region that moves against the camera's motion. */
export interface SubjectMotion {
  /** Centre of the moving region, 0..1 across and down the frame. */
  readonly x: number;
  readonly y: number;
  /** Its mean motion beyond the camera's, as fractions of the width and height (positive right and down). */
  readonly dx: number;
  readonly dy: number;
  /** Fraction of the frame it covers. */
  readonly area: number;
}

/** Smallest residual motion that counts, as a fraction of the diagonal (and never under this many pixels). */
const MIN_MOTION = 0.012;
const MIN_MOTION_PX = 1.5;
/** A moving region smaller than this is noise; larger than MAX_AREA it is the scene, not a subject. */
const MIN_AREA = 0.005;
const MAX_AREA = 0.6;
const BINS = 8;

/**
 * Finds the main moving subject: the dense flow between the working copies minus the flow the camera move
 * explains, kept where forward-backward consistency trusts it. Moving pixels are grouped by direction (eight
 * sectors) and the sector carrying the most motion, with its two neighbours, is the subject.
 */
export function findSubjectMotion(motion: DenseMotion, homography: Homography | null): SubjectMotion | null {
  const h = homography ?? identityHomography();
  const { forward } = motion;
  const confidence = motion.confidence.data;
  const { width, height } = forward;
  const threshold = Math.max(MIN_MOTION_PX, MIN_MOTION * Math.hypot(width, height));
  const n = width * height;
  const rx = new Float32Array(n);
  const ry = new Float32Array(n);
  const sector = new Int8Array(n).fill(-1);
  const weight = new Float64Array(BINS);
  let moving = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const [gx, gy] = applyHomography(h, x, y);
      rx[i] = forward.data[2 * i] - (gx - x);
      ry[i] = forward.data[2 * i + 1] - (gy - y);
      const magnitude = Math.hypot(rx[i], ry[i]);
      if (magnitude < threshold || confidence[i] < MIN_CONFIDENCE) continue;
      const angle = Math.atan2(ry[i], rx[i]);
      const s = (Math.round((angle / (2 * Math.PI)) * BINS) + BINS) % BINS;
      sector[i] = s;
      weight[s] += magnitude;
      moving++;
    }
  }
  if (moving / n > MAX_AREA) return null;
  let best = 0;
  for (let s = 1; s < BINS; s++) if (weight[s] > weight[best]) best = s;
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sdx = 0;
  let sdy = 0;
  for (let i = 0; i < n; i++) {
    const s = sector[i];
    if (s < 0) continue;
    const gap = Math.min((s - best + BINS) % BINS, (best - s + BINS) % BINS);
    if (gap > 1) continue;
    count++;
    sx += i % width;
    sy += Math.floor(i / width);
    sdx += rx[i];
    sdy += ry[i];
  }
  if (count / n < MIN_AREA) return null;
  return {
    x: (sx / count + 0.5) / width,
    y: (sy / count + 0.5) / height,
    dx: sdx / count / width,
    dy: sdy / count / height,
    area: count / n,
  };
}
