import { describe, expect, it } from 'vitest';

import { createRgb } from '../raster/planes.js';
import type { RgbImage } from '../raster/types.js';
import { checkAspectRatios } from '../../image-rules/index.js';
import { fitFrames } from './fit-frames.js';
import { fitToSize } from './fit-to-size.js';
import { InputImageError } from '../../image-rules/index.js';

/** A flat image with a one-colour border `border` px wide, to see what a crop removed. */
function framed(width: number, height: number, border: number, inner: number[], edge: number[]): RgbImage {
  const image = createRgb(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const onEdge = x < border || y < border || x >= width - border || y >= height - border;
      image.data.set(onEdge ? edge : inner, (y * width + x) * 3);
    }
  }
  return image;
}

function pixelAt(image: RgbImage, x: number, y: number): number[] {
  const p = (y * image.width + x) * 3;
  return Array.from(image.data.subarray(p, p + 3));
}

async function rejection(promise: Promise<unknown>): Promise<InputImageError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputImageError);
  return error as InputImageError;
}

describe('fitFrames', () => {
  it('rejects an aspect ratio outside 1:4..4:1, naming the image', async () => {
    const error = await rejection(
      fitFrames({
        start: createRgb(20, 100),
        end: null,
        size: { width: 16, height: 64 },
        names: { start: 'a.png' },
      }),
    );
    expect(error.code).toBe('aspect_ratio');
    expect(error.message).toBe('a.png: aspect ratio 0.20 (20x100) is outside 1:4..4:1');

    const wideEnd = await rejection(
      fitFrames({ start: createRgb(40, 10), end: createRgb(50, 10), size: { width: 40, height: 10 } }),
    );
    expect(wideEnd.code).toBe('aspect_ratio');
    expect(wideEnd.fileName).toBe('end');
  });

  it('accepts exactly 1:4 and 4:1', () => {
    expect(() => checkAspectRatios({ width: 25, height: 100, name: 's' })).not.toThrow();
    expect(() => checkAspectRatios({ width: 400, height: 100, name: 's' })).not.toThrow();
    expect(() =>
      checkAspectRatios({ width: 100, height: 100, name: 's' }, { width: 100, height: 80, name: 'e' }),
    ).not.toThrow();
    expect(() =>
      checkAspectRatios({ width: 100, height: 100, name: 's' }, { width: 80, height: 100, name: 'e' }),
    ).not.toThrow();
  });

  it('rejects a 16:9 start with a 9:16 end as aspect_mismatch', async () => {
    const error = await rejection(
      fitFrames({
        start: createRgb(32, 18),
        end: createRgb(18, 32),
        size: { width: 32, height: 18 },
        names: { start: 'start.png', end: 'end.png' },
      }),
    );
    expect(error.code).toBe('aspect_mismatch');
    expect(error.fileName).toBe('end.png');
    expect(error.message).toContain('0.56 (18x32)');
    expect(error.message).toContain('1.78 (32x18)');
  });

  it('fits a 3:2 end to a 16:9 start by cover and centre crop', async () => {
    // 4:3 against 16:9 differs by 1.33, outside 0.8..1.25; 3:2 against 16:9 is 1.19, inside.
    const start = framed(64, 36, 0, [10, 20, 30], [10, 20, 30]);
    // Covering 64x36 scales the 48x32 end to 64x43 and crops about 3.5 rows from top and bottom, taking its
    // 2-row red border with them, while the 4-column green border at the sides survives.
    const end = framed(48, 32, 0, [200, 200, 200], [200, 200, 200]);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 48; x++) {
        if (y < 2 || y >= 30) end.data.set([255, 0, 0], (y * 48 + x) * 3);
        else if (x < 4) end.data.set([0, 255, 0], (y * 48 + x) * 3);
      }
    }
    const fitted = await fitFrames({ start, end, size: { width: 64, height: 36 } });
    expect(fitted.start).toBe(start);
    const out = fitted.end!;
    expect([out.width, out.height, out.data.length]).toEqual([64, 36, 64 * 36 * 3]);
    expect(pixelAt(out, 32, 0)[1]).toBeGreaterThan(120);
    expect(pixelAt(out, 32, 35)[1]).toBeGreaterThan(120);
    expect(pixelAt(out, 32, 18)).toEqual([200, 200, 200]);
    expect(pixelAt(out, 1, 18)).toEqual([0, 255, 0]);
  });

  it('rejects 4:3 against 16:9 (a factor of 1.33)', async () => {
    const error = await rejection(
      fitFrames({ start: createRgb(64, 36), end: createRgb(48, 36), size: { width: 64, height: 36 } }),
    );
    expect(error.code).toBe('aspect_mismatch');
  });

  it('scales the start frame to the output size', async () => {
    const start = framed(320, 180, 0, [50, 100, 150], [50, 100, 150]);
    const fitted = await fitFrames({ start, end: null, size: { width: 128, height: 72 } });
    expect(fitted.end).toBeNull();
    expect([fitted.start.width, fitted.start.height]).toEqual([128, 72]);
    expect(pixelAt(fitted.start, 64, 36)).toEqual([50, 100, 150]);
  });
});

describe('fitToSize', () => {
  it('returns the image itself when it already has the size', async () => {
    const image = createRgb(8, 6);
    expect(await fitToSize(image, 8, 6)).toBe(image);
  });

  it('crops a wider image centrally without scaling when heights match', async () => {
    // Columns 0..3 red, 4..11 grey, 12..15 blue: fitting 16x8 into 8x8 keeps exactly the grey middle.
    const image = createRgb(16, 8);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 16; x++)
        image.data.set(x < 4 ? [255, 0, 0] : x < 12 ? [90, 90, 90] : [0, 0, 255], (y * 16 + x) * 3);
    }
    const out = await fitToSize(image, 8, 8);
    expect([out.width, out.height]).toEqual([8, 8]);
    for (let x = 0; x < 8; x++) expect(pixelAt(out, x, 4)).toEqual([90, 90, 90]);
  });

  it('rejects a bad size in the sharp way', async () => {
    await expect(fitToSize(createRgb(4, 4), 0, 4)).rejects.toThrow(
      'Expected positive integers for width and height but received 0x4',
    );
  });
});
