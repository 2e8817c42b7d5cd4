import { describe, expect, it } from 'vitest';
import { drawRgb, squareScene, textureAt } from '../../../test/helpers/synthetic.js';
import { DEFAULT_INVERSE_CANDIDATES } from '../flow/inverse-candidates.js';
import { DEFAULT_LEAVING_TRUST } from '../flow/leaving-with-neighbours.js';
import { DEFAULT_WIDE_SEARCH } from '../flow/wide-search.js';
import type { PairMotion } from '../synth/intermediate-fields.js';
import { analysePair } from './analyse-pair.js';

describe('analysePair with leaving pixels', () => {
  // A textured picture panned 6 px to the left: the first columns of the start frame leave it.
  const texture = textureAt(3);
  const start = drawRgb(96, 64, (x, y, c) => texture(x, y, c));
  const end = drawRgb(96, 64, (x, y, c) => texture(x + 6, y, c));
  /** The pixels the measured forward flow carries out of the frame. */
  const leavingPixels = (motion: PairMotion): number[] => {
    const { width, height, data } = motion.forward;
    const pixels: number[] = [];
    for (let i = 0; i < width * height; i++) if ((i % width) + data[2 * i] < -0.5) pixels.push(i);
    expect(pixels.length).toBeGreaterThan(100);
    return pixels;
  };
  /** Share of `pixels` whose confidence is over 0.5. */
  const trustedShare = (motion: PairMotion, pixels: number[]): number =>
    pixels.filter((i) => motion.forwardConfidence.data[i] > 0.5).length / pixels.length;
  /** The largest distance of a vector over `pixels` from the pan's (-6, 0). */
  const worstError = (motion: PairMotion, pixels: number[]): number =>
    Math.max(
      ...pixels.map((i) => Math.hypot(motion.forward.data[2 * i] + 6, motion.forward.data[2 * i + 1])),
    );

  it('moves the leaving edge of a pan with the pan, trusted, only where the pair is matched', async () => {
    const trusted = await analysePair(start, end, { regularisation: null });
    const plain = await analysePair(start, end, { regularisation: null, leavingTrust: null });
    const gated = await analysePair(start, end, {
      regularisation: null,
      leavingTrust: { ...DEFAULT_LEAVING_TRUST, minMatchedShare: 1.01 },
    });
    expect(trusted.matchedShare).toBeGreaterThan(0.8);
    const leaving = leavingPixels(plain.motion);
    // The consistency test trusts none of them. Most move with matched pixels beside them (75% when written)
    // and take their motion, the pan's 6 px, not the border patches' guesses; the rest guessed more than half
    // the pan's vector off (the corner's patches point 5.6 px down) and stay untrusted, with their guess.
    expect(trustedShare(plain.motion, leaving)).toBe(0);
    expect(trustedShare(gated.motion, leaving)).toBe(0);
    expect(trustedShare(trusted.motion, leaving)).toBeGreaterThan(0.7);
    const taken = leaving.filter((i) => trusted.motion.forwardConfidence.data[i] > 0.5);
    // The matched columns beside them measure the pan to within 1.1 px; the border guesses were up to 6.2 px off.
    expect(worstError(plain.motion, taken)).toBeGreaterThan(3);
    expect(worstError(trusted.motion, taken)).toBeLessThan(1.5);
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
    // The wide search finds that half too (below); here the inverse alone.
    const alone = { regularisation: null, wideSearch: null } as const;
    const adopted = await analysePair(start, end, alone);
    const missed = await analysePair(start, end, { ...alone, inverseCandidates: null });
    const gated = await analysePair(start, end, {
      ...alone,
      inverseCandidates: { ...DEFAULT_INVERSE_CANDIDATES, minMatchedShare: 1.01 },
    });
    expect(medianBackward(missed.motion)).toBeGreaterThan(0);
    expect(medianBackward(gated.motion)).toBeGreaterThan(0);
    expect(medianBackward(adopted.motion)).toBeCloseTo(-28, 0);
    // The backward flow's window over that half lands on the background 28 px off; searched wide, it is found
    // where the forward flow agrees.
    const searched = await analysePair(start, end, { regularisation: null, inverseCandidates: null });
    expect(medianBackward(searched.motion)).toBeCloseTo(-28, 0);
    const searchGated = await analysePair(start, end, {
      regularisation: null,
      inverseCandidates: null,
      wideSearch: { ...DEFAULT_WIDE_SEARCH, minMatchedShare: 1.01 },
    });
    expect(medianBackward(searchGated.motion)).toBeGreaterThan(0);
  });
});
