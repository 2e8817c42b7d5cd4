import { seededRandom } from '../../src/engine/seed.js';
import type { RgbImage } from '../../src/engine/raster/types.js';

/**
 * A smooth random colour texture: a few sinusoids per channel with seeded frequencies and phases. Smooth and
 * aperiodic enough for flow to lock on, and defined everywhere, so shifted copies can be drawn exactly.
 */
export function textureAt(seed: number): (x: number, y: number, c: number) => number {
  const random = seededRandom(seed);
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 4 }, () => ({
      fx: (random() - 0.5) * 0.5,
      fy: (random() - 0.5) * 0.5,
      phase: random() * Math.PI * 2,
      amp: 20 + random() * 20,
    })),
  );
  return (x, y, c) => {
    let v = 128;
    for (const w of waves[c]) v += w.amp * Math.sin(w.fx * x + w.fy * y + w.phase);
    return Math.max(0, Math.min(255, v));
  };
}

/** Draws an RGB image from a per-pixel colour function. */
export function drawRgb(
  width: number,
  height: number,
  colour: (x: number, y: number, c: number) => number,
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.round(colour(x, y, c));
    }
  }
  return { width, height, data };
}

const BACKGROUND_TEXTURE = textureAt(5);
const OBJECT_TEXTURE = textureAt(9);

/**
 * The large-motion cases' scene: a 28 px square with its own, brighter texture (seed 9) over a textured
 * background (seed 5), its left edge at `left`, rows 34..62 of a 160 x 96 frame; `scale` draws the same scene
 * that many times larger (textures stretched with it, so the flow sees the same picture at more pixels).
 */
export function squareScene(width: number, height: number, left: number, scale = 1): RgbImage {
  const side = 28 * scale;
  const top = 34 * scale;
  return drawRgb(width, height, (x, y, c) =>
    x >= left && x < left + side && y >= top && y < top + side
      ? 40 + 0.8 * OBJECT_TEXTURE((x - left) / scale, y / scale, c)
      : BACKGROUND_TEXTURE(x / scale, y / scale, c),
  );
}
/** Mean absolute difference per channel over a rectangle (inclusive-exclusive), 0..255. */
export function meanAbsDiff(
  a: RgbImage,
  b: RgbImage,
  box = { x0: 0, y0: 0, x1: a.width, y1: a.height },
): number {
  let sum = 0;
  let count = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.data[i] - b.data[i]);
        count++;
      }
    }
  }
  return sum / count;
}
