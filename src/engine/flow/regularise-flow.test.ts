import { describe, expect, it } from 'vitest';
import { createFlow, createPlane } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';
import { DEFAULT_REGULARISE, regulariseFlow } from './regularise-flow.js';

const W = 48;
const H = 32;

function fieldOf(at: (x: number, y: number) => [number, number]): FlowField {
  const flow = createFlow(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) flow.data.set(at(x, y), 2 * (y * W + x));
  return flow;
}

function planeOf(at: (x: number, y: number) => number): Plane {
  const plane = createPlane(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) plane.data[y * W + x] = at(x, y);
  return plane;
}

const inHole = (x: number, y: number): boolean => x >= 16 && x < 30 && y >= 10 && y < 22;
const at = (flow: FlowField, x: number, y: number): [number, number] => [
  flow.data[2 * (y * W + x)],
  flow.data[2 * (y * W + x) + 1],
];

describe('regulariseFlow', () => {
  it('replaces unreliable vectors by the motion of their reliable surroundings', () => {
    // Noise inside the hole, a uniform (3, -1) around it.
    const flow = fieldOf((x, y) =>
      inHole(x, y) ? [((x * 7 + y * 13) % 11) - 5, ((x * 5) % 9) - 4] : [3, -1],
    );
    const confidence = planeOf((x, y) => (inHole(x, y) ? 0 : 1));
    const out = regulariseFlow(
      flow,
      confidence,
      planeOf(() => 100),
      null,
    );
    const [u, v] = at(out, 22, 15);
    expect(u).toBeCloseTo(3, 1);
    expect(v).toBeCloseTo(-1, 1);
    // Trusted vectors are kept exactly.
    expect(at(out, 2, 2)).toEqual([3, -1]);
  });

  it('fills across an edge from the side that looks like the pixel', () => {
    // Left half dark moving (4, 0), right half bright moving (-4, 0); the unreliable band straddles the edge.
    const luma = planeOf((x) => (x < 24 ? 40 : 200));
    const flow = fieldOf((x) => (x < 24 ? [4, 0] : [-4, 0]));
    const confidence = planeOf((x) => (x >= 18 && x < 30 ? 0 : 1));
    const noisy = fieldOf((x) => (x >= 18 && x < 30 ? [20, 20] : at(flow, x, 0)));
    const out = regulariseFlow(noisy, confidence, luma, null);
    expect(at(out, 21, 16)[0]).toBeCloseTo(4, 0);
    expect(at(out, 26, 16)[0]).toBeCloseTo(-4, 0);
  });

  it('falls back to the prior where nothing is reliable', () => {
    const flow = fieldOf(() => [9, 9]);
    const out = regulariseFlow(
      flow,
      planeOf(() => 0),
      planeOf(() => 100),
      fieldOf(() => [1, 2]),
      DEFAULT_REGULARISE,
    );
    const [u, v] = at(out, 10, 10);
    expect(u).toBeCloseTo(1, 1);
    expect(v).toBeCloseTo(2, 1);
  });

  it('rejects planes of another size', () => {
    expect(() =>
      regulariseFlow(
        fieldOf(() => [0, 0]),
        createPlane(4, 4),
        planeOf(() => 0),
        null,
      ),
    ).toThrow(/Expected confidence and luma of 48x32/);
  });
});
