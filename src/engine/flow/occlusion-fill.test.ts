import { describe, expect, it } from 'vitest';
import { columnField } from '../../../test/helpers/column-field.js';
import { fillOccluded, occludedPixels } from './occlusion-fill.js';

const W = 40;
const H = 4;

const columns = (motion: (x: number) => [number, number]) => columnField(W, H, motion);

// An object at x = 10..19 moves 8 px right over a still background. The background it is about to cover
// (start x = 20..27) and the one it uncovers (end x = 10..17) have no match, and the flow gave them the
// object's motion, as a smoothing flow does.
const forward = columns((x) => (x >= 10 && x < 20 ? [8, 1] : x >= 20 && x < 28 ? [8, 0] : [0, 1]));
const backward = columns((x) => (x >= 18 && x < 28 ? [-8, 1] : x >= 10 && x < 18 ? [-8, 0] : [0, 1]));
const row = (values: ArrayLike<number>, stride = 1): number[] =>
  Array.from({ length: W }, (_, x) => values[stride * x]);

describe('occlusion fill', () => {
  it('finds what the other keyframe hides, and only that', () => {
    const hiddenInEnd = occludedPixels(forward.confidence, backward.flow, backward.confidence);
    const hiddenInStart = occludedPixels(backward.confidence, forward.flow, forward.confidence);
    expect(row(hiddenInEnd).flatMap((v, x) => (v ? [x] : []))).toEqual([20, 21, 22, 23, 24, 25, 26, 27]);
    expect(row(hiddenInStart).flatMap((v, x) => (v ? [x] : []))).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
  });

  it('gives hidden pixels the motion of the surroundings that move unlike their occluder', () => {
    const hiddenInEnd = occludedPixels(forward.confidence, backward.flow, backward.confidence);
    const filled = fillOccluded(
      forward.flow,
      forward.confidence,
      hiddenInEnd,
      backward.flow,
      backward.confidence,
    );
    // The covered background stays still although the object's pixels are its nearest neighbours on the left.
    expect(row(filled.flow.data, 2).slice(20, 28)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row(filled.flow.data, 2).slice(10, 20)).toEqual(row(forward.flow.data, 2).slice(10, 20));
    // Exactly the replaced vectors are marked: the covered background, not the object.
    expect(row(filled.replaced).flatMap((v, x) => (v ? [x] : []))).toEqual([20, 21, 22, 23, 24, 25, 26, 27]);
    const hiddenInStart = occludedPixels(backward.confidence, forward.flow, forward.confidence);
    const uncovered = fillOccluded(
      backward.flow,
      backward.confidence,
      hiddenInStart,
      forward.flow,
      forward.confidence,
    );
    expect(row(uncovered.flow.data, 2).slice(10, 18)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(row(uncovered.flow.data, 2).slice(18, 28)).toEqual(row(backward.flow.data, 2).slice(18, 28));
    expect(row(uncovered.replaced).flatMap((v, x) => (v ? [x] : []))).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17,
    ]);
  });

  it('leaves a field without occlusions as it is', () => {
    const still = columns(() => [3, 1]);
    const none = occludedPixels(still.confidence, still.flow, still.confidence);
    expect(none.every((v) => v === 0)).toBe(true);
    const filled = fillOccluded(still.flow, still.confidence, none, still.flow, still.confidence);
    expect(filled.flow.data).toEqual(still.flow.data);
    expect(filled.replaced.every((v) => v === 0)).toBe(true);
  });
});
