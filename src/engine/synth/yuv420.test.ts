import { describe, expect, it } from 'vitest';
import { drawRgb, meanAbsDiff, textureAt } from '../../../test/helpers/synthetic.js';
import { rgbToYuv420, yuv420Bytes, yuv420ToRgb } from './yuv420.js';

describe('yuv420p BT.709', () => {
  it('maps black, white and the primaries to their limited-range codes', () => {
    const colours = [
      [0, 0, 0, 16, 128, 128],
      [255, 255, 255, 235, 128, 128],
      [255, 0, 0, 63, 102, 240],
      [0, 255, 0, 173, 42, 26],
      [0, 0, 255, 32, 240, 118],
    ];
    for (const [r, g, b, y, u, v] of colours) {
      const frame = rgbToYuv420(drawRgb(2, 2, (_x, _y, c) => [r, g, b][c]));
      expect(Array.from(frame.data)).toEqual([y, y, y, y, u, v]);
    }
  });

  it('round-trips a smooth image closely and keeps the plane layout', () => {
    const texture = textureAt(4);
    const image = drawRgb(32, 16, (x, y, c) => texture(x * 0.3, y * 0.3, c));
    const yuv = rgbToYuv420(image);
    expect(yuv.data.length).toBe(yuv420Bytes(32, 16));
    expect(meanAbsDiff(yuv420ToRgb(yuv), image)).toBeLessThan(2.5);
  });

  it('refuses odd sides', () => {
    expect(() => rgbToYuv420(drawRgb(3, 2, () => 0))).toThrow(/even sides/);
  });
});
