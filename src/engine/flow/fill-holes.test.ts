import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFlow, createPlane } from '../raster/planes.js';
import { fillHolesInPlace } from './fill-holes.js';
import { regulariseFlow, type RegulariseOptions } from './regularise-flow.js';

const HOLES: RegulariseOptions = { trusted: 0.8, lumaSigma: Infinity, priorWeight: 0, minConfidence: 0.05 };

describe('fillHolesInPlace', () => {
  it('gives regulariseFlow with a flat luma and no prior to the bit, in place', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 41 }),
        fc.integer({ min: 1, max: 29 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (width, height, seed) => {
          const flow = createFlow(width, height);
          const cover = createPlane(width, height);
          let state = seed || 1;
          const random = (): number => {
            state = (state * 48271) % 2147483647;
            return state / 2147483647;
          };
          for (let i = 0; i < width * height; i++) {
            flow.data[2 * i] = (random() - 0.5) * 40;
            flow.data[2 * i + 1] = (random() - 0.5) * 40;
            // Holes (0), thin cover, and full cover, in runs as a splat leaves them.
            const r = random();
            cover.data[i] = r < 0.2 ? 0 : r < 0.5 ? random() : 1;
          }
          const flat = createPlane(width, height);
          const expected = regulariseFlow(flow, cover, flat, null, HOLES);
          fillHolesInPlace(flow, cover, HOLES);
          expect(Array.from(flow.data)).toEqual(Array.from(expected.data));
        },
      ),
      // Single pixels, rows and columns first: the pyramid has one level or runs out along one side.
      {
        numRuns: 3000,
        examples: [
          [1, 1, 7],
          [1, 5, 3],
          [5, 1, 9],
          [2, 2, 11],
        ],
      },
    );
  });

  it('leaves fully covered vectors alone and fills a hole from its surroundings', () => {
    const flow = createFlow(16, 16);
    const cover = createPlane(16, 16);
    for (let i = 0; i < 256; i++) {
      flow.data[2 * i] = 3;
      flow.data[2 * i + 1] = -2;
      cover.data[i] = 1;
    }
    const hole = 7 * 16 + 7;
    flow.data[2 * hole] = 50;
    flow.data[2 * hole + 1] = 50;
    cover.data[hole] = 0;
    fillHolesInPlace(flow, cover, HOLES);
    expect(flow.data[2 * hole]).toBeCloseTo(3, 5);
    expect(flow.data[2 * hole + 1]).toBeCloseTo(-2, 5);
    expect(flow.data[0]).toBe(3);
  });

  it('refuses a cover of another size', () => {
    expect(() => fillHolesInPlace(createFlow(4, 4), createPlane(4, 3), HOLES)).toThrow(/cover of 4x4/);
  });
});
