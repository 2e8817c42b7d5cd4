import { describe, expect, it } from 'vitest';
import { drawRgb, textureAt } from '../../../test/helpers/synthetic.js';
import { createFlow, lumaOf } from '../raster/planes.js';
import type { FlowField, Plane } from '../raster/types.js';
import { DEFAULT_WIDE_SEARCH, searchWideBothWays } from './wide-search.js';

const W = 128;
const H = 80;
const SIDE = 16;
const background = textureAt(5);
const object = textureAt(9);

/** Luma of the background with a copy of the object's square (its texture moving with it) at each corner. */
function scene(corners: Array<[number, number]>): Plane {
  return lumaOf(
    drawRgb(W, H, (x, y, c) => {
      for (const [left, top] of corners) {
        if (x >= left && x < left + SIDE && y >= top && y < top + SIDE) {
          return 40 + 0.8 * object(3 * (x - left), 3 * (y - top), c);
        }
      }
      return background(x, y, c);
    }),
  );
}

const vectorAt = (flow: FlowField, x: number, y: number): [number, number] => {
  const i = y * W + x;
  return [flow.data[2 * i], flow.data[2 * i + 1]];
};

describe('searchWideBothWays', () => {
  it('finds a square that moved far where both flows followed the background', () => {
    const start = scene([[16, 16]]);
    const end = scene([[46, 28]]);
    const { forward, backward } = searchWideBothWays(
      { forward: createFlow(W, H), backward: createFlow(W, H) },
      start,
      end,
    );
    // The square's inside, away from its edges, where every window sees only the square.
    for (let y = 20; y < 28; y++) {
      for (let x = 20; x < 28; x++) {
        expect(vectorAt(forward, x, y)).toEqual([30, 12]);
        expect(vectorAt(backward, x + 30, y + 12)).toEqual([-30, -12]);
      }
    }
    // The background that both frames show keeps its (right) vector.
    expect(vectorAt(forward, 100, 60)).toEqual([0, 0]);
    expect(vectorAt(backward, 100, 60)).toEqual([0, 0]);
    expect(vectorAt(forward, 8, 70)).toEqual([0, 0]);
  });

  it('keeps only the fit that the other direction confirms', () => {
    // One square at the start, two identical copies at the end: the forward search can follow only one of
    // them, and the other copy's backward fit (to the one square) is not confirmed by it.
    const start = scene([[16, 16]]);
    const end = scene([
      [46, 28],
      [16, 50],
    ]);
    const { forward, backward } = searchWideBothWays(
      { forward: createFlow(W, H), backward: createFlow(W, H) },
      start,
      end,
    );
    const [u, v] = vectorAt(forward, 24, 24);
    const followed: [number, number] = [16 + u, 16 + v];
    expect([
      [46, 28],
      [16, 50],
    ]).toContainEqual(followed);
    const other: [number, number] = followed[0] === 46 ? [16, 50] : [46, 28];
    expect(vectorAt(backward, followed[0] + 8, followed[1] + 8)).toEqual([-u, -v]);
    expect(vectorAt(backward, other[0] + 8, other[1] + 8)).toEqual([0, 0]);
  });

  it('leaves flows that explain every window as they are', () => {
    const start = scene([[16, 16]]);
    const end = scene([[46, 28]]);
    const truth = (dx: number, dy: number, from: [number, number]): FlowField => {
      const flow = createFlow(W, H);
      for (let y = from[1]; y < from[1] + SIDE; y++) {
        for (let x = from[0]; x < from[0] + SIDE; x++) {
          flow.data[2 * (y * W + x)] = dx;
          flow.data[2 * (y * W + x) + 1] = dy;
        }
      }
      return flow;
    };
    const forward = truth(30, 12, [16, 16]);
    const backward = truth(-30, -12, [46, 28]);
    const searched = searchWideBothWays({ forward, backward }, start, end);
    // Only the occluded background (what the square covers and uncovers) has no true vector to keep; every
    // pixel both frames show keeps its own.
    let changed = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const hidden = (x >= 42 && x < 66 && y >= 24 && y < 48) || (x >= 12 && x < 36 && y >= 12 && y < 36);
        if (hidden) continue;
        const i = 2 * (y * W + x);
        if (searched.forward.data[i] !== forward.data[i] || searched.backward.data[i] !== backward.data[i]) {
          changed++;
        }
      }
    }
    expect(changed).toBe(0);
  });

  it('grows what the grid points found over the rest of the square, not only their cells', () => {
    const start = scene([[16, 16]]);
    const end = scene([[46, 28]]);
    const found = (spread: number): number => {
      const { forward } = searchWideBothWays(
        { forward: createFlow(W, H), backward: createFlow(W, H) },
        start,
        end,
        { ...DEFAULT_WIDE_SEARCH, spread },
      );
      let count = 0;
      for (let y = 16; y < 32; y++) {
        for (let x = 16; x < 32; x++) {
          const [u, v] = vectorAt(forward, x, y);
          if (u === 30 && v === 12) count++;
        }
      }
      return count;
    };
    // 136 of the square's 256 pixels from the cells alone, 229 grown (when this was written): the windows of
    // the rest straddle the square's edge.
    expect(found(0)).toBeLessThan(160);
    expect(found(DEFAULT_WIDE_SEARCH.spread)).toBeGreaterThan(210);
  });
});
