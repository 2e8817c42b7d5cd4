import { randomBytes } from 'node:crypto';

import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';

import { decodeImage } from './decode-image.js';
import { InputImageError } from '../../image-rules/index.js';

/** A width x height image, left half red and right half blue, as raw RGB. */
function halves(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      if (x < width / 2) data[p] = 255;
      else data[p + 2] = 255;
    }
  }
  return data;
}

function pixelAt(image: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const p = (y * image.width + x) * 3;
  return [image.data[p], image.data[p + 1], image.data[p + 2]];
}

function expectClose(actual: number[], expected: number[], tolerance: number): void {
  actual.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThanOrEqual(tolerance));
}

async function rejection(promise: Promise<unknown>): Promise<InputImageError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputImageError);
  return error as InputImageError;
}

describe('decodeImage', () => {
  const raw = { raw: { width: 32, height: 16, channels: 3 as const } };

  it('decodes png, jpeg and webp to RGB24 of the right size', async () => {
    const source = halves(32, 16);
    for (const encode of [
      (s: Sharp) => s.png(),
      (s: Sharp) => s.jpeg({ quality: 95 }),
      (s: Sharp) => s.webp({ quality: 95 }),
    ]) {
      const bytes = await encode(sharp(source, raw)).toBuffer();
      const image = await decodeImage(bytes, 'frame');
      expect(image.width).toBe(32);
      expect(image.height).toBe(16);
      expect(image.data).toBeInstanceOf(Uint8Array);
      expect(image.data.length).toBe(32 * 16 * 3);
      expectClose(pixelAt(image, 4, 8), [255, 0, 0], 40);
      expectClose(pixelAt(image, 28, 8), [0, 0, 255], 40);
    }
  });

  it('applies EXIF orientation 6 (rotate 90 degrees clockwise)', async () => {
    const bytes = await sharp(halves(32, 16), raw)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const image = await decodeImage(bytes, 'photo.jpg');
    expect([image.width, image.height]).toEqual([16, 32]);
    // Turning clockwise carries the stored left (red) half to the top.
    expectClose(pixelAt(image, 8, 4), [255, 0, 0], 40);
    expectClose(pixelAt(image, 8, 28), [0, 0, 255], 40);
  });

  it('flattens transparency onto black and expands greyscale to RGB', async () => {
    const rgba = Buffer.alloc(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set(i < 8 ? [255, 255, 255, 0] : [0, 255, 0, 255], i * 4);
    const png = await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } })
      .png()
      .toBuffer();
    const image = await decodeImage(png, 'alpha.png');
    expect(image.data.length).toBe(4 * 4 * 3);
    expect(pixelAt(image, 1, 0)).toEqual([0, 0, 0]);
    expect(pixelAt(image, 1, 3)).toEqual([0, 255, 0]);

    const grey = await sharp(Buffer.alloc(3 * 2, 128), { raw: { width: 3, height: 2, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const decoded = await decodeImage(grey, 'grey.png');
    expect(decoded.data.length).toBe(3 * 2 * 3);
    expect(pixelAt(decoded, 2, 1)).toEqual([128, 128, 128]);
  });

  it('rejects a GIF by its bytes even when named .png', async () => {
    const gif = await sharp(halves(4, 4), { raw: { width: 4, height: 4, channels: 3 } })
      .gif()
      .toBuffer();
    const error = await rejection(decodeImage(gif, 'start.png'));
    expect(error.code).toBe('unsupported_format');
    expect(error.fileName).toBe('start.png');
    expect(error.message).toBe('start.png: unsupported image format (gif); expected png, jpeg or webp');
  });

  it('rejects random bytes as an unsupported format', async () => {
    const error = await rejection(decodeImage(randomBytes(1024), 'end.png'));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toBe(
      'end.png: unsupported image format (unrecognised data); expected png, jpeg or webp',
    );
  });

  it('rejects a truncated PNG and a truncated JPEG as decode_failed with the cause', async () => {
    const noise = randomBytes(64 * 64 * 3);
    const png = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const pngError = await rejection(decodeImage(png.subarray(0, png.length >> 1), 'start.png'));
    expect(pngError.code).toBe('decode_failed');
    expect(pngError.message).toMatch(/^start\.png: could not decode png image \(.+\)$/);
    expect(pngError.cause).toBeInstanceOf(Error);

    const jpeg = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toBuffer();
    const jpegError = await rejection(decodeImage(jpeg.subarray(0, jpeg.length >> 1), 'end.jpg'));
    expect(jpegError.code).toBe('decode_failed');
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const error = await rejection(decodeImage(png, 'huge.png', { maxPixels: 10_000 }));
    expect(error.code).toBe('too_large');
    expect(error.message).toBe('huge.png: image has more than the 10,000 pixels allowed');
    await expect(decodeImage(png, 'ok.png', { maxPixels: 20_000 })).resolves.toMatchObject({ width: 200 });
  });
});
