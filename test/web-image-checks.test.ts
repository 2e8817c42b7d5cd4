import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ApiError, parseGenerationParams, parseImageSource } from '../src/contract/index.js';
import { nameUnsupportedFormat, sniffImageFormat } from '../src/image-rules/index.js';
import { intakeImages } from '../src/media/index.js';
import {
  checkAspects,
  checkBodySize,
  checkFileBytes,
  checkPrompt,
  nameUnsupportedFormat as webNameUnsupportedFormat,
  sniffImageFormat as webSniffImageFormat,
} from '../web/src/image-checks.js';

// The playground checks frames before sending them; these tests hold its rules, codes and messages to the
// server's own, on the same inputs, so the two cannot drift apart.

function bytes(...parts: (string | number[])[]): Uint8Array {
  return Uint8Array.from(
    parts.flatMap((part) => (typeof part === 'string' ? Array.from(Buffer.from(part)) : part)),
  );
}

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
}

/** What the server answers for these frames at create time: null when it takes them. */
async function serverVerdict(
  images: Buffer[],
): Promise<{ code: string; param?: string; message: string } | null> {
  const sources = images.map((image, index) =>
    parseImageSource(`data:image/png;base64,${image.toString('base64')}`, `images[${index}]`),
  );
  try {
    await intakeImages(sources);
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { code: error.code, param: error.param, message: error.message };
  }
}

describe('the playground frame checks agree with the server', () => {
  it('recognise formats by the same magic numbers', async () => {
    const samples = [
      bytes([0x89], 'PNG\r\n', [0x1a, 0x0a], 'rest'),
      bytes([0xff, 0xd8, 0xff, 0xe0]),
      bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '),
      bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '),
      bytes('GIF87a'),
      bytes('GIF89a'),
      bytes('BM', [0, 0]),
      bytes([0x49, 0x49, 0x2a, 0x00]),
      bytes([0x4d, 0x4d, 0x00, 0x2a]),
      bytes([0, 0, 0, 0x1c], 'ftypavif'),
      bytes([0, 0, 0, 0x18], 'ftypheic'),
      bytes([0, 0, 0, 0x18], 'ftypmif1'),
      bytes([0xff, 0x0a]),
      bytes([0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20]),
      bytes([0, 0, 1, 0]),
      bytes('  <svg xmlns="http://www.w3.org/2000/svg">'),
      bytes('<?xml version="1.0"?><svg>'),
      bytes('%PDF-1.7'),
      bytes(),
      await png(8, 8),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .jpeg()
        .toBuffer(),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .webp()
        .toBuffer(),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .gif()
        .toBuffer(),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
        .tiff()
        .toBuffer(),
    ];
    for (const sample of samples) {
      const head = new Uint8Array(sample).subarray(0, 256);
      expect(webSniffImageFormat(head)).toBe(sniffImageFormat(sample));
      expect(webNameUnsupportedFormat(head)).toBe(nameUnsupportedFormat(sample));
    }
  });

  it('refuse another format with the server code and message', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .gif()
      .toBuffer();
    const sources = [parseImageSource(`data:image/png;base64,${gif.toString('base64')}`, 'images[0]')];
    const server = await intakeImages(sources).then(
      () => null,
      (error: ApiError) => ({ code: error.code, param: error.param, message: error.message }),
    );
    expect(server?.code).toBe('002014003');
    expect(checkFileBytes(gif.length, new Uint8Array(gif).subarray(0, 256), 'images[0]')).toEqual(server);
  });

  it('refuse a frame over 50 MB as the server words it', () => {
    const problem = checkFileBytes(50 * 1024 * 1024 + 1, bytes([0x89], 'PNG'), 'images[1]');
    expect(problem).toEqual({
      code: '002014004',
      param: 'images[1]',
      message: 'Expected an image of at most 50 MB for images[1] but received 50.0 MiB (52428801 bytes)',
    });
    expect(checkFileBytes(50 * 1024 * 1024, bytes([0xff, 0xd8, 0xff]), 'images[0]')).toBeNull();
  });

  it.each([
    [[100, 20], null],
    [[80, 20], null],
    [[20, 81], null],
    [
      [64, 36],
      [36, 36],
    ],
    [
      [64, 36],
      [60, 36],
    ],
    [
      [40, 40],
      [50, 40],
    ],
    [
      [40, 40],
      [51, 40],
    ],
    [
      [40, 40],
      [32, 40],
    ],
    [
      [40, 40],
      [31, 40],
    ],
    [
      [40, 40],
      [100, 20],
    ],
  ] as [[number, number], [number, number] | null][])(
    'judge the aspect ratios of %j and %j the same way',
    async (start, end) => {
      const images = [await png(...start), ...(end ? [await png(...end)] : [])];
      const web = checkAspects(
        { width: start[0], height: start[1] },
        end ? { width: end[0], height: end[1] } : null,
      );
      expect(web).toEqual(await serverVerdict(images));
    },
  );

  it('count the prompt in characters as the server does', () => {
    for (const prompt of ['a'.repeat(2000), '🎬'.repeat(2000), 'a'.repeat(2001), '🎬'.repeat(2001)]) {
      let server: { code: string; param?: string; message: string } | null = null;
      try {
        parseGenerationParams({ images: ['https://example.com/a.png'], prompt });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        server = { code: error.code, param: error.param, message: error.message };
      }
      expect(checkPrompt(prompt)).toEqual(server);
    }
  });

  it('warn before a body the server would refuse as too large', () => {
    expect(checkBodySize([7 * 1024 * 1024, 7 * 1024 * 1024])).toBeNull();
    expect(checkBodySize([8 * 1024 * 1024, 8 * 1024 * 1024])?.code).toBe('body_too_large');
  });
});
