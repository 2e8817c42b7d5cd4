import { invertHomography } from '../motion/index.js';
import type { Homography } from '../raster/types.js';
import type { PairMotion } from './intermediate-fields.js';
import { DEFAULT_SPLAT_TUNING } from './splat-tuning.js';

/** `motion` with both directions' {@link splatPriority} (default tuning), computed where they are absent. */
export function withSplatPriorities(motion: PairMotion): PairMotion {
  if (motion.forwardPriority && motion.backwardPriority) return motion;
  return {
    ...motion,
    forwardPriority: motion.forwardPriority ?? splatPriority(motion, 'forward'),
    backwardPriority: motion.backwardPriority ?? splatPriority(motion, 'backward'),
  };
}

/**
 * Each source pixel's splatting priority, independent of t, so it is computed once per clip: confident pixels
 * win over unconfident ones, and pixels that move unlike the global motion win over those that follow it.
 */
export function splatPriority(
  motion: PairMotion,
  direction: 'forward' | 'backward',
  tuning = DEFAULT_SPLAT_TUNING,
): Float32Array {
  const flow = direction === 'forward' ? motion.forward : motion.backward;
  const confidence = direction === 'forward' ? motion.forwardConfidence : motion.backwardConfidence;
  const global = motion.globalMotion ?? null;
  const h = global === null ? IDENTITY : direction === 'forward' ? global : invertHomography(global);
  const { width, height, data } = flow;
  const conf = confidence.data;
  const unit = tuning.deviationUnit * Math.hypot(width, height);
  const { prioritySharpness, foregroundSharpness, maxDeviationUnits, foregroundMinConfidence } = tuning;
  const priority = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const w = h[6] * x + h[7] * y + h[8];
      const deviation = Math.hypot(
        x + data[2 * i] - (h[0] * x + h[1] * y + h[2]) / w,
        y + data[2 * i + 1] - (h[3] * x + h[4] * y + h[5]) / w,
      );
      const front = Math.min(maxDeviationUnits, deviation / unit);
      const lead = foregroundMinConfidence > 0 ? Math.min(1, conf[i] / foregroundMinConfidence) : 1;
      priority[i] = Math.exp(prioritySharpness * (conf[i] - 1) + foregroundSharpness * front * lead);
    }
  }
  return priority;
}

const IDENTITY: Homography = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
