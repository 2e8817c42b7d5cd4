import { describe, expect, it } from 'vitest';

import { outputSize, RESOLUTION_PIXELS, type Resolution } from './output-size.js';

describe('outputSize', () => {
  it('gives the exact sizes of the common aspect ratios', () => {
    expect(outputSize(16 / 9, '720p')).toEqual({ width: 1280, height: 720 });
    expect(outputSize(1, '720p')).toEqual({ width: 960, height: 960 });
    expect(outputSize(9 / 16, '720p')).toEqual({ width: 720, height: 1280 });
    expect(outputSize(16 / 9, '540p')).toEqual({ width: 960, height: 540 });
    expect(outputSize(16 / 9, '1080p')).toEqual({ width: 1920, height: 1080 });
    expect(outputSize(9 / 16, '1080p')).toEqual({ width: 1080, height: 1920 });
    expect(outputSize(1, '1080p')).toEqual({ width: 1440, height: 1440 });
    expect(outputSize(4, '540p')).toEqual({ width: 1440, height: 360 });
    expect(outputSize(1920 / 1080, '720p')).toEqual({ width: 1280, height: 720 });
  });

  it('prefers an exact aspect ratio when one is within the pixel budget', () => {
    const size = outputSize(4 / 3, '720p');
    expect(size.width / size.height).toBeCloseTo(4 / 3, 10);
    expect(outputSize(4 / 3, '720p')).toEqual({ width: 1112, height: 834 });
    expect(outputSize(3 / 2, '1080p')).toEqual({ width: 1764, height: 1176 });
  });

  it('snaps near-common aspect ratios to the common size', () => {
    expect(outputSize(1279 / 720, '720p')).toEqual({ width: 1280, height: 720 });
    expect(outputSize(1080 / 1921, '1080p')).toEqual({ width: 1080, height: 1920 });
    expect(outputSize(4032 / 3025, '720p')).toEqual(outputSize(4 / 3, '720p'));
  });

  const aspects = [
    1 / 4,
    9 / 16,
    2 / 3,
    3 / 4,
    4 / 5,
    1,
    1.05,
    5 / 4,
    4 / 3,
    3 / 2,
    1.618,
    16 / 9,
    2.39,
    3,
    4,
  ];
  const resolutions: Resolution[] = ['540p', '720p', '1080p'];
  for (const resolution of resolutions) {
    it(`keeps sides even, pixel count within 1% and aspect within 0.5% at ${resolution}`, () => {
      for (const aspect of [...aspects, 1279 / 720, 1001 / 997, 0.3333]) {
        const { width, height } = outputSize(aspect, resolution);
        expect(width % 2, `${aspect} ${width}x${height}`).toBe(0);
        expect(height % 2, `${aspect} ${width}x${height}`).toBe(0);
        expect(Math.abs((width * height) / RESOLUTION_PIXELS[resolution] - 1)).toBeLessThanOrEqual(0.01);
        expect(Math.abs(width / height / aspect - 1)).toBeLessThanOrEqual(0.005);
      }
    });
  }

  it('rejects nonsense', () => {
    expect(() => outputSize(0, '720p')).toThrow(
      'Expected a positive finite number for aspect but received 0',
    );
    expect(() => outputSize(Number.NaN, '720p')).toThrow(RangeError);
    expect(() => outputSize(1, '4k' as Resolution)).toThrow('received 4k');
  });
});
