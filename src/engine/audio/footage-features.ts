import type { RgbImage } from '../raster/types.js';
import type { FootageFeatures } from './choose-music.js';

/** Pixels sampled per frame: plenty for means, cheap at any resolution. */
const SAMPLES = 20_000;

/**
 * What the music choice looks at: brightness, saturation and warmth of the keyframes, and how much the pair
 * moves (`pairMotion` as a fraction of the diagonal, 5% or more counting as fast), all in the ranges
 * {@link chooseMusic} expects.
 */
export function footageFeatures(
  frames: readonly RgbImage[],
  pairMotion: number,
  seed: number,
): FootageFeatures {
  let brightness = 0;
  let saturation = 0;
  let warmth = 0;
  let count = 0;
  for (const { data } of frames) {
    const pixels = data.length / 3;
    const step = Math.max(1, Math.floor(pixels / SAMPLES));
    for (let p = 0; p < pixels; p += step) {
      const r = data[3 * p];
      const g = data[3 * p + 1];
      const b = data[3 * p + 2];
      const max = Math.max(r, g, b);
      brightness += (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      saturation += max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
      warmth += (r - b) / 255;
      count++;
    }
  }
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  return {
    brightness: clamp(brightness / count, 0, 1),
    saturation: clamp(saturation / count, 0, 1),
    warmth: clamp(warmth / count, -1, 1),
    motion: clamp(pairMotion / 0.05, 0, 1),
    seed,
  };
}
