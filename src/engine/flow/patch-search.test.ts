import { describe, expect, it } from 'vitest';
import { createPlane } from '../raster/planes.js';
import type { Plane } from '../raster/types.js';
import { patchOrigins } from './patch-grid.js';
import { searchPatches } from './patch-search.js';
import { searchLevel } from './pyramid.js';

const W = 48;
const H = 48;
const BORDER = 16;

/** A flat background with a small textured blob centred at (cx, cy), as one pyramid level sees it. */
function blobAt(cx: number, cy: number): Plane {
  const plane = createPlane(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = Math.abs(x - cx) < 3 && Math.abs(y - cy) < 3;
      plane.data[y * W + x] = inside ? 60 + 40 * Math.sin(1.7 * (x - cx)) * Math.cos(1.3 * (y - cy)) : 150;
    }
  }
  return plane;
}

describe('searchPatches on a small object the coarser levels lost', () => {
  // The object moves 6 px right; the coarser level handed down the background's motion (0) everywhere, which is
  // farther than Gauss-Newton converges from on an 8 px patch.
  const from = blobAt(20, 20);
  const to = blobAt(26, 20);
  const level = searchLevel(from, to, BORDER);
  const zero = (): Float32Array => new Float32Array(W * H);
  // The patch whose 8 x 8 window is centred on the object: origin (16, 16) at stride 4.
  const onObject = (u: Float32Array): number => {
    const xs = patchOrigins(W, 8, 4);
    return u[xs.indexOf(16) * xs.length + xs.indexOf(16)];
  };

  it('keeps the handed-down motion without the search again', () => {
    const flows = searchPatches(level, zero(), zero(), 8, 4, 12, 0, 0);
    expect(Math.abs(onObject(flows.u))).toBeLessThan(2);
  });

  it('finds the object by searching its poorly explained patch again', () => {
    const flows = searchPatches(level, zero(), zero(), 8, 4, 12, 0, 6);
    expect(onObject(flows.u)).toBeCloseTo(6, 1);
    expect(onObject(flows.v)).toBeCloseTo(0, 1);
  });

  it('leaves well explained patches alone', () => {
    const still = searchPatches(level, zero(), zero(), 8, 4, 12, 0, 6);
    // The background far from the object is flat and matched by the zero motion it started from.
    expect(still.u[0]).toBe(0);
    expect(still.v[0]).toBe(0);
  });
});

describe('searchPatches with the camera motion as a candidate', () => {
  /** A texture everywhere, shifted by dx (the camera's motion), with a patch of its own moved by objectDx. */
  const textured = (dx: number, objectDx: number): Plane => {
    const plane = createPlane(W, H);
    const at = (x: number, y: number): number =>
      128 + 50 * Math.sin(0.9 * x + 0.4 * y) + 40 * Math.cos(0.7 * y - 0.3 * x);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inObject = x - objectDx >= 16 && x - objectDx < 24 && y >= 16 && y < 24;
        plane.data[y * W + x] = inObject ? 255 - at(x - objectDx, y) : at(x - dx, y);
      }
    }
    return plane;
  };
  const filled = (value: number): Float32Array => new Float32Array(W * H).fill(value);
  const camera = { u: filled(2), v: filled(0) };
  const xs = patchOrigins(W, 8, 4);
  const patchAt = (flow: Float32Array, x: number, y: number): number =>
    flow[xs.indexOf(y) * xs.length + xs.indexOf(x)];

  it('takes the camera motion where the handed-down motion is beyond reach and the camera explains the patch', () => {
    // The background moves 2 px with the camera; the coarser level handed down 12 px, farther than
    // Gauss-Newton converges from, so without the candidate the patch keeps a wrong vector.
    const level = searchLevel(textured(0, 0), textured(2, 0), BORDER);
    const without = searchPatches(level, filled(12), filled(0), 8, 4, 12, 0, 0);
    const withCamera = searchPatches(level, filled(12), filled(0), 8, 4, 12, 0, 0, camera);
    expect(Math.abs(patchAt(without.u, 32, 32) - 2)).toBeGreaterThan(3);
    expect(patchAt(withCamera.u, 32, 32)).toBeCloseTo(2, 1);
    expect(patchAt(withCamera.v, 32, 32)).toBeCloseTo(0, 1);
  });

  it('keeps its estimate where the camera motion explains the patch better, but not three times better', () => {
    // The end frame is 0.6 of the texture moved 2 px (the camera) plus 0.4 of it moved 12 px: the camera's motion
    // leaves 0.4^2 of the mismatch, the handed-down 12 px 0.6^2, 2.25 times as much. Weak evidence for the
    // camera; an object that moves on its own must not be flattened into it on that.
    const from = textured(0, 0);
    const near = textured(2, 0);
    const far = textured(12, 0);
    const to = createPlane(W, H);
    for (let i = 0; i < to.data.length; i++) to.data[i] = 0.6 * near.data[i] + 0.4 * far.data[i];
    const flows = searchPatches(searchLevel(from, to, BORDER), filled(12), filled(0), 8, 4, 12, 0, 0, camera);
    expect(patchAt(flows.u, 32, 32)).toBeGreaterThan(10);
  });

  it('keeps an object its own motion where the camera motion does not explain it', () => {
    // The object moves 6 px, the background 2: the object's patch, started on its own motion, stays there.
    const level = searchLevel(textured(0, 0), textured(2, 6), BORDER);
    const flows = searchPatches(level, filled(6), filled(0), 8, 4, 12, 0, 0, camera);
    expect(patchAt(flows.u, 16, 16)).toBeCloseTo(6, 1);
    // The background beside it takes the camera's.
    expect(patchAt(flows.u, 36, 36)).toBeCloseTo(2, 1);
  });
});
