import { describe, expect, it } from 'vitest';
import { createPlane } from '../raster/planes.js';
import type { Plane } from '../raster/types.js';
import { PatchAligner } from './inverse-search.js';
import { searchLevel } from './pyramid.js';

const W = 40;
const H = 32;
const BORDER = 16;
const PATCH = 8;

/** Deterministic texture over the whole luma range, so no cost comes out zero by accident. */
function texture(seed: number): Plane {
  const plane = createPlane(W, H);
  let state = seed;
  for (let i = 0; i < W * H; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    // With a fraction, as the box-averaged pyramid levels hold: whole numbers would hide reordered arithmetic.
    plane.data[i] = ((state >>> 16) % 255) + ((state >>> 8) & 255) / 256;
  }
  return plane;
}

function alignerFor(from: Plane, to: Plane): PatchAligner {
  return new PatchAligner(searchLevel(from, to, BORDER), PATCH);
}

describe('PatchAligner costs', () => {
  const aligner = alignerFor(texture(7), texture(11));
  // Origins inside, at the corners, and offsets that push the patch past the padded border (clamped).
  const origins = [
    [0, 0],
    [W - PATCH, H - PATCH],
    [13, 9],
  ];

  it('gives the candidates the same cost as a full evaluation, to the bit', () => {
    for (const [px, py] of origins) {
      for (const [u, v] of [
        [0, 0],
        [0.25, -1.75],
        [-3.5, 2.125],
        [7.9, 5.01],
        [-40.3, 33.6],
      ]) {
        expect(aligner.costAt(px, py, u, v)).toBe(aligner.evaluate(px, py, u, v));
      }
    }
  });

  it('gives whole-pixel offsets the interpolated cost, to the bit, clamped offsets included', () => {
    let nonZero = 0;
    for (const [px, py] of origins) {
      for (let v = -20; v <= 20; v += 5) {
        for (let u = -30; u <= 30; u += 3) {
          const cost = aligner.integerCostAt(px, py, u, v);
          expect(cost).toBe(aligner.costAt(px, py, u, v));
          if (cost > 0) nonZero++;
        }
      }
    }
    expect(nonZero).toBeGreaterThan(300);
  });
});
