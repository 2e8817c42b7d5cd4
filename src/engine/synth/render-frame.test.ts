import { describe, expect, it } from 'vitest';
import { drawRgb, meanAbsDiff, textureAt } from '../../../test/helpers/synthetic.js';
import { createFlow, createPlane } from '../raster/planes.js';
import { intermediateFields, type PairMotion } from './intermediate-fields.js';
import { renderFrame } from './render-frame.js';

const W = 64;
const H = 48;

/** Exact motion fields for a scene where the content at each pixel moves by motion(x, y). */
function exactMotion(
  forward: (x: number, y: number) => [number, number],
  backward: (x: number, y: number) => [number, number],
  confidence: (x: number, y: number, which: 0 | 1) => number = () => 1,
): PairMotion {
  const f = createFlow(W, H);
  const b = createFlow(W, H);
  const cf = createPlane(W, H);
  const cb = createPlane(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      [f.data[2 * i], f.data[2 * i + 1]] = forward(x, y);
      [b.data[2 * i], b.data[2 * i + 1]] = backward(x, y);
      cf.data[i] = confidence(x, y, 0);
      cb.data[i] = confidence(x, y, 1);
    }
  }
  return { forward: f, backward: b, forwardConfidence: cf, backwardConfidence: cb };
}

describe('intermediateFields', () => {
  it('weights the two keyframes by time where nothing moves', () => {
    const motion = exactMotion(
      () => [0, 0],
      () => [0, 0],
    );
    const fields = intermediateFields(motion, 0.25);
    const i = (20 * W + 30) * 6;
    expect(Array.from(fields.data.slice(i, i + 4))).toEqual([0, 0, 0, 0]);
    expect(fields.data[i + 4] / (fields.data[i + 4] + fields.data[i + 5])).toBeCloseTo(0.75, 5);
  });

  it('carries each pixel to where it is at time t (a uniform shift)', () => {
    const motion = exactMotion(
      () => [8, -4],
      () => [-8, 4],
    );
    const fields = intermediateFields(motion, 0.5);
    const i = (24 * W + 32) * 6;
    expect(fields.data[i]).toBeCloseTo(-4, 5);
    expect(fields.data[i + 1]).toBeCloseTo(2, 5);
    expect(fields.data[i + 2]).toBeCloseTo(4, 5);
    expect(fields.data[i + 3]).toBeCloseTo(-2, 5);
  });
});

describe('renderFrame', () => {
  it('draws a uniformly shifted texture at the half-way position', () => {
    const texture = textureAt(7);
    const start = drawRgb(W, H, (x, y, c) => texture(x, y, c));
    const end = drawRgb(W, H, (x, y, c) => texture(x - 6, y - 3, c));
    const truth = drawRgb(W, H, (x, y, c) => texture(x - 3, y - 1.5, c));
    const motion = exactMotion(
      () => [6, 3],
      () => [-6, -3],
    );
    const frame = renderFrame({ start, end, fields: intermediateFields(motion, 0.5), camera: null });
    const inner = { x0: 8, y0: 8, x1: W - 8, y1: H - 8 };
    expect(meanAbsDiff({ width: W, height: H, data: frame }, truth, inner)).toBeLessThan(1.5);
    // A plain cross-fade of the two keyframes is far from the truth: the warp, not the blend, does the work.
    const fade = drawRgb(
      W,
      H,
      (x, y, c) => (start.data[(y * W + x) * 3 + c] + end.data[(y * W + x) * 3 + c]) / 2,
    );
    expect(meanAbsDiff(fade, truth, inner)).toBeGreaterThan(4);
  });

  it('moves an occluding square without leaving a ghost where it was', () => {
    const background = textureAt(3);
    const inSquare = (x: number, y: number, left: number): boolean =>
      x >= left && x < left + 12 && y >= 18 && y < 30;
    const square = (x: number, y: number, c: number, left: number): number =>
      inSquare(x, y, left) ? [250, 20, 20][c] : background(x, y, c);
    const start = drawRgb(W, H, (x, y, c) => square(x, y, c, 10));
    const end = drawRgb(W, H, (x, y, c) => square(x, y, c, 34));
    const truth = drawRgb(W, H, (x, y, c) => square(x, y, c, 22));
    // True flows: the square moves 24 px right; background pixels it covers in the other frame are unreliable.
    const motion = exactMotion(
      (x, y) => (inSquare(x, y, 10) ? [24, 0] : [0, 0]),
      (x, y) => (inSquare(x, y, 34) ? [-24, 0] : [0, 0]),
      (x, y, which) =>
        which === 0
          ? !inSquare(x, y, 10) && inSquare(x, y, 34)
            ? 0
            : 1
          : !inSquare(x, y, 34) && inSquare(x, y, 10)
            ? 0
            : 1,
    );
    const frame = {
      width: W,
      height: H,
      data: renderFrame({ start, end, fields: intermediateFields(motion, 0.5), camera: null }),
    };
    expect(meanAbsDiff(frame, truth, { x0: 23, y0: 19, x1: 33, y1: 29 })).toBeLessThan(3); // the square, mid-way
    expect(meanAbsDiff(frame, truth, { x0: 10, y0: 18, x1: 20, y1: 30 })).toBeLessThan(6); // where it was
    expect(meanAbsDiff(frame, truth, { x0: 36, y0: 18, x1: 46, y1: 30 })).toBeLessThan(6); // where it will be
  });

  it('applies the camera transform in the same pass', () => {
    const texture = textureAt(11);
    const image = drawRgb(W, H, (x, y, c) => texture(x, y, c));
    const motion = exactMotion(
      () => [0, 0],
      () => [0, 0],
    );
    // Sample the scene 5 px to the right: the picture slides left by 5 px.
    const camera = new Float64Array([1, 0, 5, 0, 1, 0]);
    const frame = renderFrame({ start: image, end: image, fields: intermediateFields(motion, 0.3), camera });
    const truth = drawRgb(W, H, (x, y, c) => texture(x + 5, y, c));
    expect(
      meanAbsDiff({ width: W, height: H, data: frame }, truth, { x0: 0, y0: 0, x1: W - 6, y1: H }),
    ).toBeLessThan(0.6);
  });
});

describe('camera rows', () => {
  it('draws an axis-aligned camera move through the row sampler exactly as through per-pixel lookups', () => {
    const texture = textureAt(17);
    const start = drawRgb(W, H, (x, y, c) => texture(x, y, c));
    const end = drawRgb(W, H, (x, y, c) => texture(x - 4, y + 2, c));
    const motion = exactMotion(
      () => [4, -2],
      () => [-4, 2],
    );
    const fields = intermediateFields(motion, 0.4);
    const zoomPan = new Float64Array([0.9, 0, 5, 0, 0.9, 2.5]);
    // A rotation too small to matter sends the same move down the general per-pixel path.
    const general = new Float64Array([0.9, 1e-12, 5, 1e-12, 0.9, 2.5]);
    const a = renderFrame({ start, end, fields, camera: zoomPan });
    const b = renderFrame({ start, end, fields, camera: general });
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThanOrEqual(1);
    expect(meanAbsDiff({ width: W, height: H, data: a }, start)).toBeGreaterThan(1);
  });
});
