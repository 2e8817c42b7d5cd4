import { describe, expect, it } from 'vitest';
import { describeCameraMotion } from './camera-motion.js';
import {
  applyHomography,
  homographyFromFourPoints,
  identityHomography,
  invertHomography,
  multiplyHomography,
} from './homography.js';

const PERSPECTIVE = Float64Array.of(1.1, 0.05, 12, -0.03, 0.95, -7, 1e-4, -2e-4, 1);

describe('homography helpers', () => {
  it('identity maps points to themselves', () => {
    expect(applyHomography(identityHomography(), 12.5, -3)).toEqual([12.5, -3]);
  });

  it('inverse undoes the transform', () => {
    const inverse = invertHomography(PERSPECTIVE);
    for (const [x, y] of [
      [0, 0],
      [255, 0],
      [40, 180],
    ]) {
      const [u, v] = applyHomography(PERSPECTIVE, x, y);
      const [bx, by] = applyHomography(inverse, u, v);
      expect(bx).toBeCloseTo(x, 9);
      expect(by).toBeCloseTo(y, 9);
    }
    const product = multiplyHomography(PERSPECTIVE, inverse);
    const identity = identityHomography();
    for (let k = 0; k < 9; k++) expect(product[k] / product[8]).toBeCloseTo(identity[k], 9);
  });

  it('refuses to invert a singular matrix', () => {
    expect(() => invertHomography(new Float64Array(9))).toThrow(/Expected an invertible homography/);
  });

  it('fits four exact correspondences', () => {
    const src = [-1, -1, 1, -1, 1, 1, -1, 1.2];
    const dst: number[] = [];
    for (let i = 0; i < 4; i++) dst.push(...applyHomography(PERSPECTIVE, src[2 * i], src[2 * i + 1]));
    const out = new Float64Array(9);
    expect(homographyFromFourPoints(src, dst, out)).toBe(true);
    for (let i = 0; i < 9; i++) expect(out[i]).toBeCloseTo(PERSPECTIVE[i], 9);
  });

  it('rejects a collinear sample', () => {
    const src = [0, 0, 1, 1, 2, 2, 3, 3];
    expect(homographyFromFourPoints(src, src, new Float64Array(9))).toBe(false);
  });
});

describe('describeCameraMotion', () => {
  it('reads a pan of the content to the left as negative panX', () => {
    const h = Float64Array.of(1, 0, -32, 0, 1, 9, 0, 0, 1);
    const motion = describeCameraMotion(h, 320, 180);
    expect(motion.panX).toBeCloseTo(-0.1, 9);
    expect(motion.panY).toBeCloseTo(0.05, 9);
    expect(motion.zoom).toBeCloseTo(1, 9);
    expect(motion.rotation).toBeCloseTo(0, 9);
  });

  it('reads zoom and rotation about the centre', () => {
    const [w, h] = [200, 100];
    const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
    const angle = 0.2;
    const c = 1.5 * Math.cos(angle);
    const s = 1.5 * Math.sin(angle);
    const m = Float64Array.of(c, -s, cx - c * cx + s * cy, s, c, cy - s * cx - c * cy, 0, 0, 1);
    const motion = describeCameraMotion(m, w, h);
    expect(motion.panX).toBeCloseTo(0, 9);
    expect(motion.panY).toBeCloseTo(0, 9);
    expect(motion.zoom).toBeCloseTo(1.5, 9);
    expect(motion.rotation).toBeCloseTo(angle, 9);
  });
});
