import { describe, expect, it } from 'vitest';
import { drawRgb, squareScene, textureAt } from '../../../test/helpers/synthetic.js';
import { DEFAULT_INVERSE_CANDIDATES } from '../flow/inverse-candidates.js';
import { DEFAULT_LEAVING_TRUST } from '../flow/leaving-confidence.js';
import type { PairMotion } from '../synth/intermediate-fields.js';
import { analysePair } from './analyse-pair.js';

describe('analysePair with leaving pixels', () => {
  // A textured picture panned 6 px to the left: the first columns of the start frame leave it.
  const texture = textureAt(3);
  const start = drawRgb(96, 64, (x, y, c) => texture(x, y, c));
  const end = drawRgb(96, 64, (x, y, c) => texture(x + 6, y, c));
  /** Share of the pixels that the forward flow carries out of the frame whose confidence is over 0.5. */
  const trustedLeaving = (motion: PairMotion): number => {
    const { width, data } = motion.forward;
    let leaving = 0;
    let trusted = 0;
    for (let i = 0; i < width * motion.forward.height; i++) {
      if ((i % width) + data[2 * i] >= -0.5) continue;
      leaving++;
      if (motion.forwardConfidence.data[i] > 0.5) trusted++;
    }
    expect(leaving).toBeGreaterThan(100);
    return trusted / leaving;
  };

  it('trusts the edge of a pan that leaves the frame, and only where the pair is matched', async () => {
    const trusted = await analysePair(start, end, { regularisation: null });
    const plain = await analysePair(start, end, { regularisation: null, leavingTrust: null });
    const gated = await analysePair(start, end, {
      regularisation: null,
      leavingTrust: { ...DEFAULT_LEAVING_TRUST, minMatchedShare: 1.01 },
    });
    expect(trusted.matchedShare).toBeGreaterThan(0.8);
    // The consistency test trusts none of them; 93% move with matched pixels beside them (when this was written).
    expect(trustedLeaving(plain.motion)).toBe(0);
    expect(trustedLeaving(gated.motion)).toBe(0);
    expect(trustedLeaving(trusted.motion)).toBeGreaterThan(0.8);
    // The share the cut test and the callers see is the consistency test's own.
    expect(trusted.matchedShare).toBe(plain.matchedShare);
  });
});

describe('analysePair with a region one direction missed', () => {
  it('gives the half of an object still in view at the border the motion the other direction found', async () => {
    // A 28 px square goes from x 116 to x 144 of 160: half of it is still in view at the end. The backward
    // flow's patches over that half straddle the border on every coarse level and miss it; the forward flow
    // finds the half that stays in view.
    const start = squareScene(160, 96, 116);
    const end = squareScene(160, 96, 144);
    const medianBackward = (motion: PairMotion): number => {
      const values: number[] = [];
      for (let y = 40; y < 56; y++)
        for (let x = 148; x < 158; x++) values.push(motion.backward.data[2 * (y * 160 + x)]);
      values.sort((a, b) => a - b);
      return values[values.length >> 1];
    };
    const adopted = await analysePair(start, end, { regularisation: null });
    const missed = await analysePair(start, end, { regularisation: null, inverseCandidates: null });
    const gated = await analysePair(start, end, {
      regularisation: null,
      inverseCandidates: { ...DEFAULT_INVERSE_CANDIDATES, minMatchedShare: 1.01 },
    });
    expect(medianBackward(missed.motion)).toBeGreaterThan(0);
    expect(medianBackward(gated.motion)).toBeGreaterThan(0);
    expect(medianBackward(adopted.motion)).toBeCloseTo(-28, 0);
  });
});
