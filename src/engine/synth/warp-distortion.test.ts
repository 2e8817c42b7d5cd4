import { describe, expect, it } from 'vitest';
import { createPlane } from '../raster/planes.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';
import { warpDistortion } from './warp-distortion.js';

const W = 32;
const H = 24;

function fields(
  at: (x: number, y: number) => [number, number, number, number, number, number],
): IntermediateFields {
  const data = new Float32Array(W * H * FIELD_CHANNELS);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) data.set(at(x, y), (y * W + x) * FIELD_CHANNELS);
  }
  return { width: W, height: H, data };
}

function luma(value: (x: number, y: number) => number) {
  const plane = createPlane(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) plane.data[y * W + x] = value(x, y);
  return plane;
}

const ramp = luma((x, y) => 4 * x + y);

describe('warpDistortion', () => {
  it('finds nothing in a uniform shift or a moderate zoom', () => {
    const shift = warpDistortion(
      fields(() => [3, -2, -3, 2, 1, 1]),
      ramp,
      ramp,
    );
    expect(shift.distortedShare).toBe(0);
    // A 1.5x zoom about the centre: isotropic, positive determinant.
    const zoom = warpDistortion(
      fields((x, y) => [(x - 16) * 0.5, (y - 12) * 0.5, 0, 0, 1, 1]),
      ramp,
      ramp,
    );
    expect(zoom.distortedShare).toBe(0);
  });

  it('counts a fold by the share of the picture drawn through it', () => {
    // The start frame mirrored left-right on the left half (det < 0 there) and drawn alone: about half folds.
    const folded = warpDistortion(
      fields((x) => (x < 16 ? [16 - 2 * x, 0, 0, 0, 1, 0] : [0, 0, 0, 0, 1, 0])),
      ramp,
      ramp,
    );
    expect(folded.foldShare).toBeGreaterThan(0.4);
    expect(folded.foldShare).toBeLessThan(0.6);
    // The same fold at a quarter of the blend weight counts a quarter as much.
    const shared = warpDistortion(
      fields((x) => (x < 16 ? [16 - 2 * x, 0, 0, 0, 1, 3] : [0, 0, 0, 0, 1, 3])),
      ramp,
      ramp,
    );
    expect(shared.foldShare).toBeCloseTo(folded.foldShare / 4, 5);
  });

  it('counts an anisotropic stretch beyond 3:1 but not below it', () => {
    // Sampling map x -> x / 4 across (the keyframe stretched 4x horizontally), 1x vertically.
    const melted = warpDistortion(
      fields((x) => [x / 4 - x, 0, 0, 0, 1, 0]),
      ramp,
      ramp,
    );
    expect(melted.stretchShare).toBe(1);
    expect(melted.foldShare).toBe(0);
    const mild = warpDistortion(
      fields((x) => [x / 2 - x, 0, 0, 0, 1, 0]),
      ramp,
      ramp,
    );
    expect(mild.stretchShare).toBe(0);
  });

  it('measures ghosting only where both keyframes carry weight and disagree', () => {
    const dark = luma(() => 10);
    const bright = luma(() => 110);
    expect(
      warpDistortion(
        fields(() => [0, 0, 0, 0, 1, 1]),
        dark,
        bright,
      ).ghosting,
    ).toBeCloseTo(100, 3);
    expect(
      warpDistortion(
        fields(() => [0, 0, 0, 0, 1, 0]),
        dark,
        bright,
      ).ghosting,
    ).toBe(0);
    expect(
      warpDistortion(
        fields(() => [0, 0, 0, 0, 1, 1]),
        ramp,
        ramp,
      ).ghosting,
    ).toBe(0);
    // A keyframe sampled outside its frame does not see the pixel: no ghost from it.
    expect(
      warpDistortion(
        fields(() => [100, 0, 0, 0, 1, 1]),
        dark,
        bright,
      ).ghosting,
    ).toBe(0);
  });

  it('rejects luma planes of another size', () => {
    expect(() =>
      warpDistortion(
        fields(() => [0, 0, 0, 0, 1, 1]),
        createPlane(4, 4),
        ramp,
      ),
    ).toThrow(/Expected luma planes of 32x24/);
  });
});
