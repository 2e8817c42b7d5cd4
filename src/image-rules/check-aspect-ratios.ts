import { InputImageError } from './input-image-error.js';

/** Widest and tallest keyframe accepted: 4:1 and 1:4. */
export const MAX_ASPECT_RATIO = 4;
/** How far the end frame's aspect ratio may differ from the start frame's, as a factor (0.8..1.25). */
export const MAX_ASPECT_MISMATCH = 1.25;

/** A keyframe's dimensions and the name errors should use for it. */
export interface NamedSize {
  width: number;
  height: number;
  name: string;
}

// Inclusive bounds with a hair of slack, so 1:4 exactly (and 0.8 exactly) pass despite floating point.
const EPSILON = 1e-9;

function describe(size: NamedSize): string {
  return `${(size.width / size.height).toFixed(2)} (${size.width}x${size.height})`;
}

/**
 * The seed's input rules, on dimensions only, so the API can apply them from image headers at create time and
 * the engine can apply the same rules again after decoding. Each image's aspect ratio must lie in 1:4..4:1; the
 * "start/end resolution ratio 0.8..1.25" is read as the ratio of the two aspect ratios.
 *
 * @throws InputImageError `aspect_ratio` naming the offending image, or `aspect_mismatch` naming the end image.
 */
export function checkAspectRatios(start: NamedSize, end: NamedSize | null = null): void {
  for (const image of end ? [start, end] : [start]) {
    const aspect = image.width / image.height;
    if (!(aspect >= 1 / MAX_ASPECT_RATIO - EPSILON && aspect <= MAX_ASPECT_RATIO + EPSILON)) {
      throw new InputImageError({
        code: 'aspect_ratio',
        fileName: image.name,
        reason: `aspect ratio ${describe(image)} is outside 1:4..4:1`,
      });
    }
  }
  if (end) {
    const ratio = end.width / end.height / (start.width / start.height);
    if (!(ratio >= 1 / MAX_ASPECT_MISMATCH - EPSILON && ratio <= MAX_ASPECT_MISMATCH + EPSILON)) {
      throw new InputImageError({
        code: 'aspect_mismatch',
        fileName: end.name,
        reason:
          `aspect ratio ${describe(end)} differs from the start frame's ${describe(start)} by a factor of ` +
          `${Math.max(ratio, 1 / ratio).toFixed(2)}; at most 1.25 is allowed`,
      });
    }
  }
}
