import { describe, expect, it } from 'vitest';
import { createPlane } from '../raster/planes.js';
import type { Plane } from '../raster/types.js';
import { patchOrigins, type SearchLevel } from './patch-grid.js';
import { searchPatches } from './patch-search.js';
import { padPlane, sobelGradients } from './pyramid.js';

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
  const { gx, gy } = sobelGradients(from);
  const level: SearchLevel = {
    width: W,
    height: H,
    i0: from.data,
    gx,
    gy,
    i1Padded: padPlane(to, BORDER),
    border: BORDER,
  };
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
