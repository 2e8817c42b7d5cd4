import { describe, expect, it } from 'vitest';
import { SPLAT_CHANNELS, splatToTime } from './splat-to-time.js';

describe('splatToTime', () => {
  // One 4x4 field, every pixel still and confident, pixel 5 (x 1, y 1) covered by its occluder from s = 0.5.
  const flow = { width: 4, height: 4, data: new Float32Array(32) };
  const confidence = { width: 4, height: 4, data: new Float32Array(16).fill(1) };
  const priority = new Float32Array(16).fill(1);
  const hidden = new Float32Array(16).fill(Infinity);
  hidden[5] = 0.5;
  const cover = (s: number): number => {
    const acc = new Float32Array(16 * SPLAT_CHANNELS);
    splatToTime(flow, confidence, priority, s, acc, hidden);
    return acc[5 * SPLAT_CHANNELS + 4];
  };

  it('leaves out a pixel from the time its occluder covers it, fading over a step', () => {
    expect(cover(0.2)).toBeCloseTo(1, 6);
    expect(cover(0.5)).toBeCloseTo(0.5, 6);
    expect(cover(0.8)).toBe(0);
    // Its neighbours are not touched.
    const acc = new Float32Array(16 * SPLAT_CHANNELS);
    splatToTime(flow, confidence, priority, 0.8, acc, hidden);
    expect(acc[6 * SPLAT_CHANNELS + 4]).toBeCloseTo(1, 6);
  });
});
