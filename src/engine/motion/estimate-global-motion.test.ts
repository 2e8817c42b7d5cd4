import { describe, expect, it } from 'vitest';
import { createPlane, samplePlane } from '../raster/planes.js';
import type { Homography, Plane } from '../raster/types.js';
import { applyHomography, estimateGlobalMotion, invertHomography } from './index.js';
import { seededRandom } from '../seed.js';

const W = 256;
const H = 192;

/** Random rectangles and discs on a gradient: corners of every size, no repetition. */
function texturedImage(seed: number): Plane {
  const random = seededRandom(seed);
  const plane = createPlane(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) plane.data[y * W + x] = 60 + (120 * x) / W;
  for (let k = 0; k < 120; k++) {
    const cx = random() * W;
    const cy = random() * H;
    const value = random() * 255;
    const rect = random() < 0.5;
    const rw = 4 + random() * 30;
    const rh = 4 + random() * 30;
    const radius = 3 + random() * 14;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = rect
          ? Math.abs(x - cx) < rw / 2 && Math.abs(y - cy) < rh / 2
          : (x - cx) ** 2 + (y - cy) ** 2 < radius * radius;
        if (inside) plane.data[y * W + x] = value;
      }
    }
  }
  return plane;
}

/** The image a camera move `h` (source pixel -> target pixel) makes, by bilinear backward sampling. */
function warp(source: Plane, h: Homography, brightness = 0): Plane {
  const inverse = invertHomography(h);
  const out = createPlane(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [u, v] = applyHomography(inverse, x, y);
      out.data[y * W + x] = Math.min(255, samplePlane(source, u, v) + brightness);
    }
  }
  return out;
}

/** Similarity about the image centre, then a shift. */
function similarity(scale: number, degrees: number, tx: number, ty: number): Homography {
  const [cx, cy] = [(W - 1) / 2, (H - 1) / 2];
  const a = (degrees * Math.PI) / 180;
  const c = scale * Math.cos(a);
  const s = scale * Math.sin(a);
  return Float64Array.of(c, -s, cx - c * cx + s * cy + tx, s, c, cy - s * cx - c * cy + ty, 0, 0, 1);
}

function worstCornerError(estimate: Homography, truth: Homography): number {
  let worst = 0;
  for (const [x, y] of [
    [0, 0],
    [W - 1, 0],
    [0, H - 1],
    [W - 1, H - 1],
  ]) {
    const [ex, ey] = applyHomography(estimate, x, y);
    const [tx, ty] = applyHomography(truth, x, y);
    worst = Math.max(worst, Math.hypot(ex - tx, ey - ty));
  }
  return worst;
}

const base = texturedImage(7);

describe('estimateGlobalMotion', () => {
  const cases: [string, Homography, number][] = [
    ['a translation of (20, -12) px', similarity(1, 0, 20, -12), 0],
    ['a 1.25x zoom about the centre', similarity(1.25, 0, 0, 0), 0],
    ['a 0.6x zoom out', similarity(0.6, 0, 0, 0), 0],
    ['a 5 degree rotation', similarity(1, 5, 0, 0), 0],
    ['a translation with the brightness raised by 20', similarity(1, 0, 20, -12), 20],
    ['a pan of 40% of the width', similarity(1, 0, 0.4 * W, 0), 0],
    ['a 30 degree roll (steered descriptors)', similarity(1, 30, 0, 0), 0],
  ];

  it.each(cases)('recovers %s', (_name, truth, brightness) => {
    const motion = estimateGlobalMotion(base, warp(base, truth, brightness));
    expect(motion).not.toBeNull();
    expect(worstCornerError(motion!.homography, truth)).toBeLessThan(1);
    expect(motion!.inliers).toBeGreaterThanOrEqual(12);
    expect(motion!.inlierRatio).toBeGreaterThan(0.5);
    expect(motion!.homography[8]).toBe(1);
  });

  it('scales the homography back to the input resolution', () => {
    // 1024 px wide: the work happens on a 4x smaller copy, the answer must still be in input pixels.
    const big = createPlane(4 * W, 4 * H);
    for (let y = 0; y < big.height; y++) {
      for (let x = 0; x < big.width; x++) big.data[y * big.width + x] = samplePlane(base, x / 4, y / 4);
    }
    const truth = Float64Array.of(1, 0, 60, 0, 1, -36, 0, 0, 1);
    const inverse = invertHomography(truth);
    const moved = createPlane(big.width, big.height);
    for (let y = 0; y < big.height; y++) {
      for (let x = 0; x < big.width; x++) {
        const [u, v] = applyHomography(inverse, x, y);
        moved.data[y * big.width + x] = samplePlane(big, u, v);
      }
    }
    const motion = estimateGlobalMotion(big, moved);
    expect(motion).not.toBeNull();
    const [x, y] = applyHomography(motion!.homography, 512, 384);
    expect(x).toBeCloseTo(572, 0);
    expect(y).toBeCloseTo(348, 0);
  });

  it('finds no motion between two unrelated images', () => {
    const motion = estimateGlobalMotion(base, texturedImage(99));
    if (motion !== null) expect(motion.inlierRatio).toBeLessThan(0.3);
  });

  it('returns null for a flat grey image', () => {
    const flat = createPlane(W, H);
    flat.data.fill(128);
    expect(estimateGlobalMotion(flat, flat)).toBeNull();
    expect(estimateGlobalMotion(base, flat)).toBeNull();
  });

  it('returns null for images too small to describe', () => {
    const tiny = createPlane(8, 8);
    expect(estimateGlobalMotion(tiny, tiny)).toBeNull();
  });

  it('gives identical results on identical input', () => {
    const moved = warp(base, similarity(1.1, 3, 10, 5));
    const first = estimateGlobalMotion(base, moved);
    const second = estimateGlobalMotion(base, moved);
    expect(first).not.toBeNull();
    expect(second).toEqual(first);
  });

  it('rejects planes of different sizes', () => {
    expect(() => estimateGlobalMotion(base, createPlane(10, 10))).toThrow(/Expected planes of the same size/);
  });
});
