import { describe, expect, it } from 'vitest';
import { columnField } from '../../../test/helpers/column-field.js';
import { hiddenFrom } from './occlusion-timing.js';

const W = 40;
const H = 4;

const columns = (motion: (x: number) => [number, number]) => columnField(W, H, motion);
const mask = (inside: (x: number) => boolean): Uint8Array =>
  Uint8Array.from({ length: W * H }, (_, i) => (inside(i % W) ? 1 : 0));
const row = (values: Float32Array, x0: number, x1: number): number[] =>
  Array.from({ length: x1 - x0 }, (_, k) => values[W + x0 + k]);

// An object at x = 10..19 moves 8 px right over a still background, as the occlusion fill leaves it: the
// background it will cover (start x = 20..27) and the one it uncovers (end x = 10..17) still, and filled.
const forward = columns((x) => (x >= 10 && x < 20 ? [8, 1] : [0, 1]));
const backward = columns((x) => (x >= 18 && x < 28 ? [-8, 1] : [0, 1]));
const coveredInEnd = mask((x) => x >= 20 && x < 28);
const uncoveredInEnd = mask((x) => x >= 10 && x < 18);

describe('occlusion timing', () => {
  it('hides the background an object moves over when its leading edge gets there', () => {
    const hidden = hiddenFrom(forward.flow, coveredInEnd, backward.flow, backward.confidence);
    if (!hidden) throw new Error('Expected the covered background to be hidden at some time');
    const times = row(hidden, 20, 28);
    // The edge moves from x = 20 at t = 0 to 28 at t = 1: pixel x is covered from about (x - 20) / 8.
    times.forEach((t, k) => expect(Math.abs(t - k / 8)).toBeLessThan(0.1));
    for (let k = 1; k < times.length; k++) expect(times[k]).toBeGreaterThan(times[k - 1]);
    expect(row(hidden, 0, 20).every((t) => t === Infinity)).toBe(true);
    expect(row(hidden, 28, 40).every((t) => t === Infinity)).toBe(true);
  });

  it('shows the background an object uncovers only once its trailing edge has passed', () => {
    // In the end frame's own time (1 at the start frame): pixel x was covered until t = (x - 10) / 8, so
    // going back from the end it is hidden from s = 1 - (x - 10) / 8 on.
    const hidden = hiddenFrom(backward.flow, uncoveredInEnd, forward.flow, forward.confidence);
    if (!hidden) throw new Error('Expected the uncovered background to be hidden at some time');
    const times = row(hidden, 10, 18);
    times.forEach((s, k) => expect(Math.abs(s - (1 - k / 8))).toBeLessThan(0.1));
    for (let k = 1; k < times.length; k++) expect(times[k]).toBeLessThan(times[k - 1]);
    expect(row(hidden, 18, 40).every((t) => t === Infinity)).toBe(true);
  });

  it('leaves a filled pixel whose occluder is not confident always visible', () => {
    const unsure = columns(() => [0, 0]);
    // Never hidden: no times at all, so the splat does not look for any.
    expect(hiddenFrom(forward.flow, coveredInEnd, unsure.flow, unsure.confidence)).toBeNull();
  });
});
