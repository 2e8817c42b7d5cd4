import { describe, expect, it } from 'vitest';
import { drawRgb, meanAbsDiff, squareScene, textureAt } from '../../../test/helpers/synthetic.js';
import { lumaOf } from '../raster/planes.js';
import type { RgbImage } from '../raster/types.js';
import { intermediateFields } from '../synth/intermediate-fields.js';
import { warpDistortion } from '../synth/warp-distortion.js';
import { analysePair } from './analyse-pair.js';
import { interpolateFrames } from './interpolate-frames.js';

const W = 160;
const H = 96;
/** A 28 px square with its own, brighter texture, its left edge at `left`, rows 34..62. */
const scene = (left: number): RgbImage => squareScene(W, H, left);
const fade = (a: RgbImage, b: RgbImage): RgbImage => ({
  width: a.width,
  height: a.height,
  data: a.data.map((v, i) => Math.round((v + b.data[i]) / 2)),
});

describe('large motion', () => {
  it('keeps a rigid object crossing 20% of the frame whole at t = 0.5', async () => {
    const shift = 0.2 * W;
    const start = scene(40);
    const end = scene(40 + shift);
    const truth = scene(40 + shift / 2);
    const [, middle] = await interpolateFrames(start, end, [0, 0.5, 1]);
    // Inside the object at its half-way place: its pixels are the keyframe object's after the known shift.
    const object = { x0: 40 + shift / 2 + 3, y0: 37, x1: 40 + shift / 2 + 25, y1: 59 };
    const error = meanAbsDiff(middle, truth, object);
    expect(error).toBeLessThan(6);
    expect(meanAbsDiff(fade(start, end), truth, object)).toBeGreaterThan(3 * error);
  });

  it('gives the background a crossing object uncovers and covers its own motion, not the motion of the object', async () => {
    const start = scene(40);
    const end = scene(72);
    const { motion } = await analysePair(start, end);
    const { width } = motion.forward;
    const row = (flow: typeof motion.forward, x0: number, x1: number): number[] => {
      const values: number[] = [];
      for (let y = 38; y < 58; y++) {
        for (let x = x0; x < x1; x++) values.push(Math.abs(flow.data[2 * (y * width + x)]));
      }
      return values;
    };
    const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1];
    // The background is still: where the object was (seen only in the end frame) and where it will be (seen
    // only in the start frame), the vectors must be the background's ~0, not the object's 32 px.
    expect(median(row(motion.backward, 44, 68))).toBeLessThan(2);
    expect(median(row(motion.forward, 76, 100))).toBeLessThan(2);
    // Rendered, what it uncovers and covers at t = 0.5 is the background: see the next test.
  });

  it('leaves no ghost where a crossing object was and where it will be', async () => {
    const start = scene(40);
    const end = scene(72);
    const truth = scene(56);
    const [middle] = await interpolateFrames(start, end, [0.5]);
    // Where the object was (x 40..56, seen only in the end frame) and where it will be (x 84..100, seen only in
    // the start frame): the background, not a fade of it with the object (23.7 there) nor a garble of it (21
    // before the filled pixels were trusted, bench/RESULTS.md). Inside, 2 px off the object's rows and the
    // region's sides: 5.3 and 4.0 when this was written; the whole regions, edges and all, 7.8 and 8.0.
    const was = { x0: 42, y0: 36, x1: 54, y1: 60 };
    const will = { x0: 86, y0: 36, x1: 98, y1: 60 };
    expect(meanAbsDiff(middle, truth, was)).toBeLessThan(6);
    expect(meanAbsDiff(middle, truth, will)).toBeLessThan(6);
    expect(meanAbsDiff(fade(start, end), truth, was)).toBeGreaterThan(20);
    expect(meanAbsDiff(middle, truth, { x0: 40, y0: 34, x1: 56, y1: 62 })).toBeLessThan(10);
    expect(meanAbsDiff(middle, truth, { x0: 84, y0: 34, x1: 100, y1: 62 })).toBeLessThan(10);
    // And the object itself stays whole at its half-way place.
    expect(meanAbsDiff(middle, truth, { x0: 59, y0: 37, x1: 81, y1: 59 })).toBeLessThan(4);
  });

  it('dissolves an object that leaves the frame in place, without smearing it along the border', async () => {
    // Wholly out by the end frame (x 124 -> 164 of 160): nothing in the end frame matches it, so nothing tells
    // where it went or how fast. The honest answer is a dissolve where it was, each keyframe drawn at its own
    // place: no stretched copy of it dragged towards the border, and the rest of the picture untouched.
    const start = scene(124);
    const end = scene(164);
    const times = [0.25, 0.5, 0.75];
    const frames = await interpolateFrames(start, end, times);
    const was = { x0: 124, y0: 34, x1: 152, y1: 62 };
    // Between it and the border both keyframes show the background; a smear would bring the object's colours.
    const towardsBorder = { x0: 152, y0: 34, x1: W, y1: 62 };
    const away = { x0: 0, y0: 0, x1: 116, y1: H };
    const mix = (t: number): RgbImage => ({
      width: W,
      height: H,
      data: start.data.map((v, i) => Math.round((1 - t) * v + t * end.data[i])),
    });
    for (const frame of frames) {
      expect(meanAbsDiff(frame, end, towardsBorder)).toBeLessThan(3);
      expect(meanAbsDiff(frame, end, away)).toBeLessThan(1);
    }
    // Where it was: the in-place fade (10.5 when this was written), far nearer than either keyframe (31.3 and
    // 27.5), and fading in time: nearer the start at t = 0.25, nearer the end at t = 0.75.
    expect(meanAbsDiff(frames[1], mix(0.5), was)).toBeLessThan(
      0.6 * Math.min(meanAbsDiff(frames[1], start, was), meanAbsDiff(frames[1], end, was)),
    );
    expect(meanAbsDiff(frames[0], start, was)).toBeLessThan(meanAbsDiff(frames[0], end, was) / 2);
    expect(meanAbsDiff(frames[2], end, was)).toBeLessThan(meanAbsDiff(frames[2], start, was) / 2);
    const { motion } = await analysePair(start, end);
    for (const t of times) {
      const fields = intermediateFields(motion, t);
      expect(warpDistortion(fields, motion.startLuma!, motion.endLuma!).distortedShare).toBeLessThan(0.01);
    }
  });

  // Not met yet (bench/RESULTS.md, bench/tune-quality.ts "half out"): an object that ends half out of the frame
  // (x 116 -> 144 of 160) has a visible half to match. Since the eighth session the backward flow takes the
  // forward flow's inverse there (analyse-pair.test.ts), and since the ninth the leaving half takes the visible
  // half's trust and motion, but the object still comes out garbled at t = 0.5: mean error 19.2 on it (30.4
  // before the eighth session), a fade 36.9; followed, it would be about 2. The background it uncovers and the
  // one it covers are both unmatched, and their guessed vectors point at each other.
  it.todo('moves an object that ends half out of the frame as a whole, by the motion of its visible half');

  it('follows a zoom of 1.5x without folding the picture', async () => {
    const texture = textureAt(21);
    const zoomed = (s: number): RgbImage =>
      drawRgb(W, H, (x, y, c) => texture((x - W / 2) / s + W / 2, (y - H / 2) / s + H / 2, c));
    const start = zoomed(1);
    const end = zoomed(1.5);
    const truth = zoomed(1.25);
    const [middle] = await interpolateFrames(start, end, [0.5]);
    const centre = { x0: 40, y0: 24, x1: W - 40, y1: H - 24 };
    const error = meanAbsDiff(middle, truth, centre);
    expect(error).toBeLessThan(5);
    expect(meanAbsDiff(fade(start, end), truth, centre)).toBeGreaterThan(2 * error);
    const { motion } = await analysePair(start, end);
    const distortion = warpDistortion(intermediateFields(motion, 0.5), motion.startLuma!, motion.endLuma!);
    expect(distortion.foldShare).toBeLessThan(0.01);
  });

  it('turns two unrelated images into an eased camera move and dissolve, without a fold', async () => {
    const start = drawRgb(W, H, (x, y, c) => textureAt(31)(x, y, c));
    const end = drawRgb(W, H, (x, y, c) => (((x >> 3) + (y >> 3)) % 2 === 0 ? 30 + 40 * c : 220 - 30 * c));
    const { motion, matchedShare } = await analysePair(start, end);
    expect(matchedShare).toBeLessThan(0.1);
    expect(motion.transition).toBe('dissolve');
    const times = Array.from({ length: 9 }, (_, i) => i / 8);
    const frames = await interpolateFrames(start, end, times);
    expect(frames[0].data).toEqual(start.data);
    expect(frames[8].data).toEqual(end.data);
    // Eased: the steps grow from the ends to the middle and shrink back, never jumping.
    const steps = frames.slice(1).map((f, i) => meanAbsDiff(f, frames[i]));
    expect(steps[0]).toBeLessThan(steps[3]);
    expect(steps[7]).toBeLessThan(steps[4]);
    expect(Math.max(...steps)).toBeLessThan(2.5 * (steps.reduce((a, b) => a + b) / steps.length));
    const luma = [lumaOf(start), lumaOf(end)];
    for (const t of [0.25, 0.5, 0.75]) {
      const fields = (await import('../synth/dissolve-fields.js')).dissolveFields(W, H, t);
      expect(warpDistortion(fields, luma[0], luma[1]).distortedShare).toBe(0);
    }
  });

  it('is deterministic and keeps the endpoints exact on large motion', async () => {
    const start = scene(20);
    const end = scene(70);
    const a = await interpolateFrames(start, end, [0, 0.3, 1]);
    const b = await interpolateFrames(start, end, [0, 0.3, 1]);
    expect(a[1].data).toEqual(b[1].data);
    expect(a[0].data).toEqual(start.data);
    expect(a[2].data).toEqual(end.data);
  });
});
