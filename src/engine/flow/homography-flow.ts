import type { Homography } from '../raster/types.js';

/**
 * Fills (u, v) with H(x) - x on a level (scaleX, scaleY) times smaller than the plane H was given for, in that level's
 * pixels. Pixel centres map as x_full = (x + 0.5) * scaleX - 0.5. Points H sends to infinity get zero flow.
 */
export function homographyFlow(
  h: Homography,
  width: number,
  height: number,
  scaleX: number,
  scaleY: number,
  u: Float32Array,
  v: Float32Array,
): void {
  for (let y = 0; y < height; y++) {
    const fy = (y + 0.5) * scaleY - 0.5;
    for (let x = 0; x < width; x++) {
      const fx = (x + 0.5) * scaleX - 0.5;
      const wz = h[6] * fx + h[7] * fy + h[8];
      const i = y * width + x;
      if (Math.abs(wz) < 1e-9) {
        u[i] = 0;
        v[i] = 0;
        continue;
      }
      const tx = (h[0] * fx + h[1] * fy + h[2]) / wz;
      const ty = (h[3] * fx + h[4] * fy + h[5]) / wz;
      u[i] = (tx - fx) / scaleX;
      v[i] = (ty - fy) / scaleY;
    }
  }
}
