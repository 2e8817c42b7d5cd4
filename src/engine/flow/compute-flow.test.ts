import { describe, expect, it } from 'vitest';
import { createPlane } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';
import { computeFlow, flowConfidence } from './index.js';

/** Seeded PRNG (mulberry32) so every run sees the same texture. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A smooth, non-periodic texture as a continuous function, so shifted and scaled copies are exact. */
function texture(seed: number): (x: number, y: number) => number {
  const random = prng(seed);
  const waves = Array.from({ length: 14 }, () => {
    const angle = random() * Math.PI;
    const k = (2 * Math.PI) / (7 + random() * 30);
    return { kx: k * Math.cos(angle), ky: k * Math.sin(angle), phase: random() * 2 * Math.PI };
  });
  return (x, y) => {
    let s = 0;
    for (const w of waves) s += Math.sin(w.kx * x + w.ky * y + w.phase);
    return 128 + 30 * s;
  };
}

function render(width: number, height: number, f: (x: number, y: number) => number): Plane {
  const plane = createPlane(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) plane.data[y * width + x] = f(x, y);
  return plane;
}

/** Mean endpoint error against the expected flow over pixels where `inside` holds. */
function meanEndpointError(
  flow: FlowField,
  expected: (x: number, y: number) => [number, number],
  inside: (x: number, y: number) => boolean,
): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < flow.height; y++) {
    for (let x = 0; x < flow.width; x++) {
      if (!inside(x, y)) continue;
      const i = 2 * (y * flow.width + x);
      const [ex, ey] = expected(x, y);
      sum += Math.hypot(flow.data[i] - ex, flow.data[i + 1] - ey);
      count++;
    }
  }
  expect(count).toBeGreaterThan(100);
  return sum / count;
}

function meanOver(plane: Plane, inside: (x: number, y: number) => boolean): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < plane.height; y++) {
    for (let x = 0; x < plane.width; x++) {
      if (!inside(x, y)) continue;
      sum += plane.data[y * plane.width + x];
      count++;
    }
  }
  expect(count).toBeGreaterThan(20);
  return sum / count;
}

const T = texture(7);

describe('computeFlow', () => {
  it('recovers a sub-pixel shift away from the borders', () => {
    const from = render(96, 96, T);
    const to = render(96, 96, (x, y) => T(x - 3.5, y + 2));
    const flow = computeFlow(from, to);
    expect(flow.width).toBe(96);
    expect(flow.height).toBe(96);
    const error = meanEndpointError(
      flow,
      () => [3.5, -2],
      (x, y) => x >= 12 && y >= 12 && x < 84 && y < 84,
    );
    expect(error).toBeLessThan(0.3);
  });

  it('recovers a 30 px shift on a 128 px image from an initial homography', () => {
    const from = render(128, 128, T);
    const to = render(128, 128, (x, y) => T(x - 30, y - 4));
    const initialHomography = Float64Array.of(1, 0, 28, 0, 1, 3, 0, 0, 1);
    const flow = computeFlow(from, to, { initialHomography });
    // Only pixels that stay inside `to` have a true match.
    const inside = (x: number, y: number): boolean => x >= 8 && y >= 8 && x < 128 - 30 - 8 && y < 128 - 4 - 8;
    expect(meanEndpointError(flow, () => [30, 4], inside)).toBeLessThan(0.5);
  });

  it('recovers a zoom of 1.1 about the centre', () => {
    const c = 63.5;
    const from = render(128, 128, T);
    const to = render(128, 128, (x, y) => T(c + (x - c) / 1.1, c + (y - c) / 1.1));
    const flow = computeFlow(from, to);
    const inside = (x: number, y: number): boolean => Math.abs(x - c) < 48 && Math.abs(y - c) < 48;
    expect(meanEndpointError(flow, (x, y) => [0.1 * (x - c), 0.1 * (y - c)], inside)).toBeLessThan(0.5);
  });

  it('returns near-zero flow for identical images', () => {
    const plane = render(80, 64, T);
    const flow = computeFlow(plane, plane);
    let max = 0;
    for (const value of flow.data) max = Math.max(max, Math.abs(value));
    expect(max).toBeLessThan(0.05);
  });

  it('is deterministic', () => {
    const from = render(96, 72, T);
    const to = render(96, 72, (x, y) => T(x - 2.3, y - 1.1));
    const first = computeFlow(from, to);
    const second = computeFlow(from, to);
    expect(first.data).toEqual(second.data);
  });

  it('honours finestLevel by upsampling a coarser solution', () => {
    const from = render(128, 96, T);
    const to = render(128, 96, (x, y) => T(x - 3, y - 1));
    const flow = computeFlow(from, to, { finestLevel: 1, preset: 'fast' });
    expect(flow.width).toBe(128);
    expect(flow.height).toBe(96);
    const inside = (x: number, y: number): boolean => x >= 12 && y >= 12 && x < 116 && y < 84;
    expect(meanEndpointError(flow, () => [3, 1], inside)).toBeLessThan(0.4);
  });

  it('rejects planes of different sizes and bad options', () => {
    expect(() => computeFlow(createPlane(16, 16), createPlane(16, 8))).toThrow(RangeError);
    expect(() => computeFlow(createPlane(16, 16), createPlane(16, 16), { patchStride: 0 })).toThrow(
      /Expected an integer between 1 and 8 for patchStride but received 0/,
    );
    expect(() => computeFlow(createPlane(16, 16), createPlane(16, 16), { finestRefinePasses: 0 })).toThrow(
      RangeError,
    );
    expect(() => computeFlow(createPlane(16, 16), createPlane(16, 16), { densifyErrorScale: -1 })).toThrow(
      RangeError,
    );
  });

  it('still recovers a shift with one refinement pass and plain densification', () => {
    const from = render(96, 96, T);
    const to = render(96, 96, (x, y) => T(x - 2.5, y + 1.5));
    const flow = computeFlow(from, to, { finestRefinePasses: 1, densifyErrorScale: 0 });
    const inside = (x: number, y: number): boolean => x >= 12 && y >= 12 && x < 84 && y < 84;
    expect(meanEndpointError(flow, () => [2.5, -1.5], inside)).toBeLessThan(0.3);
  });
});

describe('flowConfidence on an occluding square', () => {
  const size = 112;
  const side = 32;
  const left0 = 30;
  const shift = 12;
  const top = 40;
  const background = texture(3);
  const square = texture(11);
  const scene = (left: number) => (x: number, y: number) =>
    x >= left && x < left + side && y >= top && y < top + side ? square(x - left, y - top) : background(x, y);
  const from = render(size, size, scene(left0));
  const to = render(size, size, scene(left0 + shift));
  const forward = computeFlow(from, to);
  const backward = computeFlow(to, from);
  const rows = (y: number): boolean => y >= top + 6 && y < top + side - 6;

  it('is low where the square covers background of `from` and high elsewhere', () => {
    const confidence = flowConfidence(forward, backward);
    // Background right of the square in `from` is hidden under it in `to`.
    const occluded = meanOver(
      confidence,
      (x, y) => rows(y) && x >= left0 + side + 3 && x < left0 + side + shift - 3,
    );
    const still = meanOver(
      confidence,
      (x, y) => (y < top - 12 || y >= top + side + 12) && x > 8 && x < size - 8,
    );
    const moving = meanOver(confidence, (x, y) => rows(y) && x >= left0 + 6 && x < left0 + side - 6);
    expect(occluded).toBeLessThan(0.35);
    expect(still).toBeGreaterThan(0.85);
    expect(moving).toBeGreaterThan(0.85);
  });

  it('is low in the disoccluded strip for the backward field', () => {
    const confidence = flowConfidence(backward, forward);
    // Background left of the square in `to` was under the square in `from`.
    const revealed = meanOver(confidence, (x, y) => rows(y) && x >= left0 + 3 && x < left0 + shift - 3);
    expect(revealed).toBeLessThan(0.35);
  });
});
