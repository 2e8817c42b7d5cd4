import { describe, expect, it } from 'vitest';
import { createFlow, createPlane } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';
import { flowConfidence } from './consistency.js';
import { adoptInverseVectors, DEFAULT_INVERSE_CANDIDATES } from './inverse-candidates.js';

const W = 48;
const H = 32;

/** A smooth aperiodic luma texture, so that a window matches only at its true place. */
const texture = (x: number, y: number): number =>
  128 + 40 * Math.sin(0.37 * x + 0.11 * y) + 30 * Math.sin(0.13 * x - 0.41 * y + 1) + 20 * Math.sin(0.71 * y);

function plane(luma: (x: number, y: number) => number): Plane {
  const out = createPlane(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.data[y * W + x] = luma(x, y);
  return out;
}

function field(u: (x: number, y: number) => number): FlowField {
  const out = createFlow(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out.data[2 * (y * W + x)] = u(x, y);
  return out;
}

const constant = (value: number): Plane => ({
  width: W,
  height: H,
  data: new Float32Array(W * H).fill(value),
});
const u = (flow: FlowField, x: number, y: number): number => flow.data[2 * (y * W + x)];

// A 12 px square with a texture of its own moves 6 px right across a still background.
const inSquare = (x: number, y: number, left: number): boolean =>
  x >= left && x < left + 12 && y >= 10 && y < 22;
const start = plane((x, y) => (inSquare(x, y, 14) ? 255 - texture(x - 14, y) : texture(x, y)));
const end = plane((x, y) => (inSquare(x, y, 20) ? 255 - texture(x - 20, y) : texture(x, y)));

describe('adoptInverseVectors', () => {
  it('gives a square the other direction found but this one missed its inverted motion', () => {
    const forward = field((x, y) => (inSquare(x, y, 14) ? 6 : 0));
    // The backward flow missed the square: it gave its pixels the background's motion.
    const backward = field(() => 0);
    const confidence = flowConfidence(backward, forward);
    expect(confidence.data[16 * W + 24]).toBeLessThan(0.5);
    const adopted = adoptInverseVectors(backward, confidence, forward, end, start);
    // Where the square now covers what was its own place in the start frame (x 20..25), the two flows disagree.
    // (Its right half lands, by the missed vector, on still background that the forward flow leaves still: the
    // two agree there, wrongly, and the consistency test cannot tell.)
    for (let y = 13; y < 19; y++) for (let x = 21; x < 26; x++) expect(u(adopted, x, y)).toBe(-6);
    // The background keeps its own (right) vectors.
    expect(u(adopted, 5, 5)).toBe(0);
    expect(u(adopted, 40, 28)).toBe(0);
  });

  it('leaves matched pixels alone however well an inverse fits them', () => {
    const forward = field((x, y) => (inSquare(x, y, 14) ? 6 : 0));
    const backward = field(() => 0);
    const adopted = adoptInverseVectors(backward, constant(1), forward, end, start);
    expect(adopted.data).toEqual(backward.data);
  });

  it('takes no inverse that does not explain the pixel', () => {
    // The other direction is wrong too (13 px where the square moved 6): its inverse fits nothing.
    const wrong = field((x, y) => (inSquare(x, y, 14) ? 13 : 0));
    const backward = field(() => 0);
    const adopted = adoptInverseVectors(backward, constant(0), wrong, end, start);
    expect(adopted.data).toEqual(backward.data);
  });

  it('takes no isolated fit: most of its window must take the inverse too', () => {
    // A pan: what `still` shows at x, `panned` shows at x - 6. The other direction (panned -> still) has the true
    // motion at one pixel only, (30, 16) -> (36, 16), and says "still" everywhere else.
    const still = plane(texture);
    const panned = plane((x, y) => texture(x + 6, y));
    const single = field((x, y) => (x === 30 && y === 16 ? 6 : 0));
    const flow = field(() => 0);
    const isolated = adoptInverseVectors(flow, constant(0), single, still, panned);
    expect(isolated.data).toEqual(flow.data);
    const loose = adoptInverseVectors(flow, constant(0), single, still, panned, {
      ...DEFAULT_INVERSE_CANDIDATES,
      coherence: 0,
    });
    expect(u(loose, 36, 16)).toBe(-6);
    expect(u(loose, 35, 16)).toBe(0);
  });

  it('takes no fit on weak texture, where a window fits many offsets', () => {
    // A gentle ramp, still: any offset along it fits within a few levels. The own vector (15 px) and the
    // inverse (-3 px) are both wrong; the inverse fits five times better, well within 14 levels.
    const ramp = plane((x) => 50 + 0.5 * x);
    const flow = field(() => 15);
    const other = field(() => 3);
    const strict = adoptInverseVectors(flow, constant(0), other, ramp, ramp);
    expect(u(strict, 20, 16)).toBe(15);
    const blind = adoptInverseVectors(flow, constant(0), other, ramp, ramp, {
      ...DEFAULT_INVERSE_CANDIDATES,
      contrastShare: Infinity,
    });
    expect(u(blind, 20, 16)).toBe(-3);
  });
});
