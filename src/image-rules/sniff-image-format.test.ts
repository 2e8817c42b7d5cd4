import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { nameUnsupportedFormat, sniffImageFormat } from './sniff-image-format.js';

const pixel = { create: { width: 2, height: 2, channels: 3 as const, background: '#336699' } };

describe('sniffImageFormat', () => {
  it('recognises png, jpeg and webp made by a real encoder', async () => {
    expect(sniffImageFormat(await sharp(pixel).png().toBuffer())).toBe('png');
    expect(sniffImageFormat(await sharp(pixel).jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImageFormat(await sharp(pixel).webp().toBuffer())).toBe('webp');
    expect(sniffImageFormat(await sharp(pixel).webp({ lossless: true }).toBuffer())).toBe('webp');
  });

  it('rejects other formats, text, short and empty input', async () => {
    expect(sniffImageFormat(await sharp(pixel).gif().toBuffer())).toBeNull();
    expect(sniffImageFormat(await sharp(pixel).tiff().toBuffer())).toBeNull();
    expect(
      sniffImageFormat(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')),
    ).toBeNull();
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50, 0x4e]))).toBeNull();
    expect(sniffImageFormat(new Uint8Array())).toBeNull();
    // A RIFF container that is not WebP (a WAV file).
    expect(sniffImageFormat(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
  });

  it('names the common formats it refuses', async () => {
    expect(nameUnsupportedFormat(await sharp(pixel).gif().toBuffer())).toBe('gif');
    expect(nameUnsupportedFormat(await sharp(pixel).tiff().toBuffer())).toBe('tiff');
    expect(nameUnsupportedFormat(new TextEncoder().encode('<?xml version="1.0"?><svg/>'))).toBe('svg');
    expect(nameUnsupportedFormat(new Uint8Array([1, 2, 3, 4, 5]))).toBeNull();
  });
});
