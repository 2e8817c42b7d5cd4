import { describe, expect, it } from 'vitest';
import { meanAbsDiff, squareScene } from '../../../test/helpers/synthetic.js';
import { columnField } from '../../../test/helpers/column-field.js';
import type { RgbImage } from '../raster/types.js';
import { interpolateFrames } from '../render/interpolate-frames.js';
import { FIELD_MAX_SIDE, fieldMotion } from './field-motion.js';
import { intermediateFields, type PairMotion } from './intermediate-fields.js';
import { splatPriority } from './splat-priority.js';
import { resampleFields } from './resample-fields.js';

/** A pair whose start half moves `u` px right (confidence 1) and whose other half stands still (0.5). */
function motionOf(width: number, height: number, u: number): PairMotion {
  const forward = columnField(width, height, (x) => (x < width / 2 ? [u, 1] : [0, 0.5]));
  const backward = columnField(width, height, (x) => (x < width / 2 ? [-u, 1] : [0, 0.5]));
  const luma = { width, height, data: new Float32Array(width * height).fill(100) };
  const filled = new Uint8Array(width * height);
  filled[0] = 1;
  const hidden = new Float32Array(width * height).fill(Infinity);
  hidden[1] = 0.25;
  hidden[width] = 0.5;
  return {
    forward: forward.flow,
    backward: backward.flow,
    forwardConfidence: forward.confidence,
    backwardConfidence: backward.confidence,
    // A camera pan of 8 px right: on a grid half as fine, 4 px.
    globalMotion: new Float64Array([1, 0, 8, 0, 1, 0, 0, 0, 1]),
    startLuma: luma,
    endLuma: luma,
    forwardFilled: filled,
    forwardHiddenFrom: hidden,
  };
}

describe('fieldMotion', () => {
  it('keeps a motion that already fits the fields grid as it is, adding only its splat priorities', () => {
    const motion = motionOf(FIELD_MAX_SIDE, 100, 12);
    const drawn = fieldMotion(motion);
    expect(drawn.forward).toBe(motion.forward);
    expect(drawn.backward).toBe(motion.backward);
    expect(drawn.forwardConfidence).toBe(motion.forwardConfidence);
    expect(Array.from(drawn.forwardPriority!)).toEqual(Array.from(splatPriority(motion, 'forward')));
    expect(Array.from(drawn.backwardPriority!)).toEqual(Array.from(splatPriority(motion, 'backward')));
    // Once they are there, nothing is computed again.
    expect(fieldMotion(drawn)).toBe(drawn);
  });

  it('halves a larger motion: vectors, confidence, luma, camera, marks and priorities on the new grid', () => {
    const motion = motionOf(480, 270, 12);
    const half = fieldMotion(motion);
    expect([half.forward.width, half.forward.height]).toEqual([240, 135]);
    // Left half: 12 px become 6 px; right half still; the block across the edge (none: 240 is even) n/a.
    expect(half.forward.data[2 * (10 * 240 + 20)]).toBeCloseTo(6, 5);
    expect(half.backward.data[2 * (10 * 240 + 20)]).toBeCloseTo(-6, 5);
    expect(half.forward.data[2 * (10 * 240 + 200)]).toBe(0);
    expect(half.forwardConfidence.data[10 * 240 + 200]).toBeCloseTo(0.5, 6);
    expect(half.startLuma!.width).toBe(240);
    expect(half.globalMotion![2]).toBeCloseTo(4, 9);
    expect(half.forwardFilled![0]).toBe(1);
    expect(half.forwardFilled![1]).toBe(0);
    // Block (0, 0) holds the pixels hidden from 0.25 (x 1) and 0.5 (row 1): the earlier one.
    expect(half.forwardHiddenFrom![0]).toBe(0.25);
    expect(half.forwardHiddenFrom![1]).toBe(Infinity);
    expect(half.backwardFilled).toBeUndefined();
    expect(Array.from(half.forwardPriority!)).toEqual(Array.from(splatPriority(half, 'forward')));
  });

  it('drops no pixel of an odd grid and halves until the grid fits', () => {
    const motion = motionOf(1001, 335, 40);
    const half = fieldMotion(motion);
    // 1001 -> 501 -> 251, 335 -> 168 -> 84; the last column is a block of one pixel.
    expect([half.forward.width, half.forward.height]).toEqual([251, 84]);
    expect(half.forwardConfidence.data.length).toBe(251 * 84);
    expect(half.forward.data[2 * 250]).toBe(0);
    expect(half.forward.data[0]).toBeCloseTo((40 * 251) / 1001, 4);
  });
});

describe('resampleFields', () => {
  it('scales the vectors to the new grid and keeps the blend weights', () => {
    const half = fieldMotion(motionOf(480, 270, 12));
    const fields = intermediateFields(half, 0.5);
    const full = resampleFields(fields, 480, 270);
    expect([full.width, full.height]).toEqual([480, 270]);
    const at = (f: typeof full, x: number, y: number, c: number): number => f.data[6 * (y * f.width + x) + c];
    // Deep inside the right half nothing moves: weights as on the coarse grid, vectors 0.
    expect(at(full, 400, 100, 4)).toBeCloseTo(at(fields, 200, 50, 4), 4);
    expect(at(full, 400, 100, 0)).toBeCloseTo(0, 6);
    expect(resampleFields(fields, 240, 135).data).toEqual(fields.data);
  });
});

describe('frames drawn from fields on the coarser grid', () => {
  // The crossing case of render/large-motion.test.ts at 2.5 times the size, so its working grid (400 x 240)
  // is halved for the fields: the object still moves as a whole.
  const W = 400;
  const H = 240;
  const scene = (left: number): RgbImage => squareScene(W, H, left, 2.5);

  it('keeps a rigid object crossing 20% of the frame whole at t = 0.5, no ghost beside it, the endpoints exact', async () => {
    const [first, middle, last] = await interpolateFrames(scene(100), scene(180), [0, 0.5, 1]);
    expect(first.data).toEqual(scene(100).data);
    expect(last.data).toEqual(scene(180).data);
    const truth = scene(140);
    const object = { x0: 148, y0: 93, x1: 202, y1: 147 };
    const error = meanAbsDiff(middle, truth, object);
    const fade = (a: RgbImage, b: RgbImage): RgbImage => ({
      ...a,
      data: a.data.map((v, i) => Math.round((v + b.data[i]) / 2)),
    });
    // 0.05 when this was written (0.12 with fields on the working grid); a fade gives 30.1.
    expect(error).toBeLessThan(6);
    expect(meanAbsDiff(fade(scene(100), scene(180)), truth, object)).toBeGreaterThan(3 * error);
    // Where it was and where it will be, the background: 4.2 and 3.6 (2.8 and 2.3 on the working grid, whose
    // finer fields draw the occlusion's edge sharper).
    expect(meanAbsDiff(middle, truth, { x0: 105, y0: 90, x1: 135, y1: 150 })).toBeLessThan(6);
    expect(meanAbsDiff(middle, truth, { x0: 215, y0: 90, x1: 245, y1: 150 })).toBeLessThan(6);
  });
});
