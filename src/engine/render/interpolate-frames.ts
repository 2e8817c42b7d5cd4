import type { RgbImage } from '../raster/types.js';
import { fieldMotion } from '../synth/field-motion.js';
import { analysePair, type AnalysePairOptions } from './analyse-pair.js';
import { drawSceneFrame, type Scene } from './scene.js';

/**
 * Pure interpolation: the frames between two keyframes of the same size at the given times (0..1), with no
 * camera layer. What the benchmarks measure, and what `inbetween interpolate` writes.
 */
export async function interpolateFrames(
  start: RgbImage,
  end: RgbImage,
  times: readonly number[],
  options: AnalysePairOptions = {},
): Promise<RgbImage[]> {
  if (start.width !== end.width || start.height !== end.height) {
    throw new RangeError(
      `Expected keyframes of the same size but received ${start.width}x${start.height} and ${end.width}x${end.height}`,
    );
  }
  for (const t of times) {
    if (!(t >= 0 && t <= 1)) throw new RangeError(`Expected times between 0 and 1 but received ${t}`);
  }
  const { motion } = await analysePair(start, end, options);
  const scene: Scene = {
    format: 'rgb24',
    start,
    end,
    motion: fieldMotion(motion),
    camera: { move: 'static', strength: 0, bounded: true, source: 'auto' },
  };
  return times.map((t) => ({ width: start.width, height: start.height, data: drawSceneFrame(scene, t) }));
}
