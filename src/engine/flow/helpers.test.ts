import { describe, expect, it } from 'vitest';
import { createFlow, createPlane } from '../raster/planes.js';
import { patchErrorWeight } from './densify.js';
import { flowConfidence, upsampleFlow, warpPlaneBackward } from './index.js';

function constantFlow(width: number, height: number, dx: number, dy: number) {
  const flow = createFlow(width, height);
  for (let i = 0; i < width * height; i++) {
    flow.data[2 * i] = dx;
    flow.data[2 * i + 1] = dy;
  }
  return flow;
}

describe('upsampleFlow', () => {
  it('scales vectors by the size ratio per axis', () => {
    const up = upsampleFlow(constantFlow(10, 10, 2, 1), 20, 30);
    expect(up.width).toBe(20);
    expect(up.height).toBe(30);
    for (let i = 0; i < 20 * 30; i++) {
      expect(up.data[2 * i]).toBeCloseTo(4, 5);
      expect(up.data[2 * i + 1]).toBeCloseTo(3, 5);
    }
  });

  it('interpolates a linear field linearly inside', () => {
    const flow = createFlow(8, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) flow.data[2 * (y * 8 + x)] = x;
    const up = upsampleFlow(flow, 16, 4);
    // Pixel centre 5 of the new grid sits at 2.25 in the old one; the vector doubles with the grid.
    expect(up.data[2 * 5]).toBeCloseTo(2 * 2.25, 5);
  });
});

describe('warpPlaneBackward', () => {
  it('samples plane(x + flow(x))', () => {
    const plane = createPlane(6, 3);
    for (let i = 0; i < plane.data.length; i++) plane.data[i] = (i % 6) * 10;
    const warped = warpPlaneBackward(plane, constantFlow(6, 3, 1.5, 0));
    expect(warped.data[0]).toBeCloseTo(15, 5);
    expect(warped.data[3]).toBeCloseTo(45, 5);
    // Clamped at the right edge.
    expect(warped.data[5]).toBeCloseTo(50, 5);
    expect(warpPlaneBackward(plane, constantFlow(6, 3, 1.5, 0), 0.5).data[0]).toBeCloseTo(7.5, 5);
  });
});

describe('flowConfidence', () => {
  it('is 1 for exactly inverse fields and 0 for contradicting ones', () => {
    const high = flowConfidence(constantFlow(16, 16, 2, 0), constantFlow(16, 16, -2, 0));
    expect(high.data[5 * 16 + 5]).toBeCloseTo(1, 5);
    const low = flowConfidence(constantFlow(16, 16, 2, 0), constantFlow(16, 16, 2, 0));
    expect(low.data[5 * 16 + 5]).toBeLessThan(0.05);
    // A vector leaving the frame has nothing to match.
    expect(high.data[5 * 16 + 15]).toBe(0);
  });
});

describe('patchErrorWeight', () => {
  it('keeps patches whose error is within the tolerance of their texture', () => {
    expect(patchErrorWeight(0.4, 0, 0.5)).toBe(1);
    expect(patchErrorWeight(4, 9, 0.5)).toBe(1);
  });

  it('falls with the square of the excess error', () => {
    expect(patchErrorWeight(2, 0, 0.5)).toBeCloseTo(1 / 16, 10);
    expect(patchErrorWeight(10, 9, 0.5)).toBeCloseTo(1 / 4, 10);
  });

  it('is off at scale 0', () => {
    expect(patchErrorWeight(1000, 0, 0)).toBe(1);
  });
});
