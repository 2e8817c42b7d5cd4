import type { FlowField, Plane } from '../../src/engine/raster/types.js';

/**
 * A flow field and its confidence from per-column horizontal motion and confidence, the same on every row: the
 * one-dimensional scenes the occlusion tests reason about.
 */
export function columnField(
  width: number,
  height: number,
  motion: (x: number) => [number, number],
): { flow: FlowField; confidence: Plane } {
  const flow = { width, height, data: new Float32Array(2 * width * height) };
  const confidence = { width, height, data: new Float32Array(width * height) };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, c] = motion(x);
      flow.data[2 * (y * width + x)] = u;
      confidence.data[y * width + x] = c;
    }
  }
  return { flow, confidence };
}
