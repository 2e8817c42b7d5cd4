import { describe, expect, it } from 'vitest';
import { createFlow } from '../raster/planes.js';
import type { FlowField } from '../raster/types.js';
import { flowConfidence } from './consistency.js';
import { DEFAULT_LEAVING_TRUST, leaveWithNeighbours } from './leaving-with-neighbours.js';

const W = 40;
const H = 12;

/** A field moving each column by `u(x)` pixels to the right. */
function columns(u: (x: number) => number): FlowField {
  const flow = createFlow(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) flow.data[2 * (y * W + x)] = u(x);
  return flow;
}

/** Confidence of row 5 at each column. */
const row = (data: Float32Array): number[] => Array.from(data.subarray(5 * W, 6 * W));

describe('leaveWithNeighbours', () => {
  it('trusts the columns a pan carries out of the frame as much as the matched columns beside them', () => {
    const forward = columns(() => 5);
    const backward = columns(() => -5);
    const consistency = flowConfidence(forward, backward);
    // The consistency test cannot see the last 5 columns again: they leave.
    expect(row(consistency.data).slice(35)).toEqual([0, 0, 0, 0, 0]);
    expect(
      row(consistency.data)
        .slice(0, 35)
        .every((c) => c === 1),
    ).toBe(true);
    const trusted = leaveWithNeighbours(consistency, forward).confidence;
    expect(row(trusted.data)).toEqual(new Array(W).fill(1));
  });

  it('leaves a leaving pixel untrusted where nothing matched beside it moves alike', () => {
    // The still background is matched; the last columns move out alone (a stray or an object of their own).
    const forward = columns((x) => (x >= 35 ? 6 : 0));
    const consistency = { width: W, height: H, data: new Float32Array(W * H).fill(1) };
    for (let y = 0; y < H; y++) for (let x = 35; x < W; x++) consistency.data[y * W + x] = 0;
    const trusted = leaveWithNeighbours(consistency, forward).confidence;
    expect(row(trusted.data).slice(35)).toEqual([0, 0, 0, 0, 0]);
  });

  it('leaves pixels that stay in the frame as they are, however near a matched pixel', () => {
    const forward = columns(() => 2);
    const consistency = { width: W, height: H, data: new Float32Array(W * H).fill(1) };
    // An unconfident pixel inside the frame (an occlusion, say) is not this function's business.
    consistency.data[5 * W + 20] = 0.1;
    const trusted = leaveWithNeighbours(consistency, forward).confidence;
    expect(trusted.data[5 * W + 20]).toBeCloseTo(0.1, 6);
  });

  it('reaches a radius further with every pass, and no further', () => {
    // 15 columns leave; the nearest matched column is 15 px from the border.
    const forward = columns(() => 15);
    const consistency = { width: W, height: H, data: new Float32Array(W * H).fill(1) };
    for (let y = 0; y < H; y++) for (let x = 25; x < W; x++) consistency.data[y * W + x] = 0;
    const border = (passes: number): number =>
      leaveWithNeighbours(consistency, forward, { ...DEFAULT_LEAVING_TRUST, radius: 6, passes }).confidence
        .data[5 * W + W - 1];
    expect(border(2)).toBe(0);
    expect(border(3)).toBe(1);
  });

  it('carries the leaving part of an object with the vector of its matched part, as a whole', () => {
    // The matched columns move 8 px; the patches that straddle the border guessed 9 to 11 px for the rest.
    const forward = columns((x) => (x < 32 ? 8 : 9 + (x % 3)));
    const consistency = flowConfidence(
      forward,
      columns(() => -8),
    );
    expect(row(consistency.data).slice(32)).toEqual(new Array(8).fill(0));
    const { flow, confidence } = leaveWithNeighbours(consistency, forward);
    expect(row(confidence.data)).toEqual(new Array(W).fill(1));
    const carried = Array.from({ length: W }, (_, x) => flow.data[2 * (5 * W + x)]);
    expect(carried).toEqual(new Array(W).fill(8));
    // The input is not written to.
    expect(forward.data[2 * (5 * W + 35)]).toBe(11);
  });

  it('keeps the vector of a leaving pixel with nothing matched beside it that moves alike', () => {
    const forward = columns((x) => (x >= 35 ? 6 : 0));
    const consistency = { width: W, height: H, data: new Float32Array(W * H).fill(1) };
    for (let y = 0; y < H; y++) for (let x = 35; x < W; x++) consistency.data[y * W + x] = 0;
    const { flow } = leaveWithNeighbours(consistency, forward);
    expect(flow.data[2 * (5 * W + 37)]).toBe(6);
  });
});
