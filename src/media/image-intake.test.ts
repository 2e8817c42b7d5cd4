import { crc32 } from 'node:zlib';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ApiError, type ImageMediaType, type ImageSource } from '../contract/index.js';
import { intakeImages } from './image-intake.js';
import { startTestServer, type TestServer } from './test-server.js';

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: '#336699' } });
}

function dataSource(bytes: Uint8Array, mediaType: ImageMediaType = 'image/png'): ImageSource {
  return { kind: 'data', mediaType, base64: Buffer.from(bytes).toString('base64') };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

/** A PNG chunk: length, type, data, CRC over type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A tiny PNG whose header claims `width` x `height`: a decompression bomb's shape, small enough to send. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter choice, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    // libvips reads the header only once it sees the first IDAT; an empty zlib stream is enough.
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('intakeImages', () => {
  it('reads png, jpeg and webp data URIs with their dimensions', async () => {
    const images = await intakeImages([
      dataSource(await solid(32, 24).png().toBuffer()),
      dataSource(await solid(30, 24).jpeg().toBuffer(), 'image/jpeg'),
    ]);
    expect(
      images.map(({ format, width, height, mediaType }) => ({ format, width, height, mediaType })),
    ).toEqual([
      { format: 'png', width: 32, height: 24, mediaType: 'image/png' },
      { format: 'jpeg', width: 30, height: 24, mediaType: 'image/jpeg' },
    ]);
    const [webp] = await intakeImages([dataSource(await solid(20, 10).webp().toBuffer(), 'image/webp')]);
    expect([webp.format, webp.width, webp.height]).toEqual(['webp', 20, 10]);
  });

  it('judges the format by the bytes, not the declared type', async () => {
    const [jpeg] = await intakeImages([dataSource(await solid(8, 8).jpeg().toBuffer(), 'image/png')]);
    expect(jpeg.mediaType).toBe('image/jpeg');
    const gif = await solid(8, 8).gif().toBuffer();
    const error = await failure(intakeImages([dataSource(gif, 'image/png')]));
    expect(error.code).toBe('002014003');
    expect(error.param).toBe('images[0]');
    expect(error.message).toBe('Expected a png, jpeg or webp image for images[0] but received a gif image');
  });

  it('refuses cut-short png, jpeg and webp data and a corrupt header', async () => {
    const noisy = sharp(Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 7919) % 256)), {
      raw: { width: 64, height: 64, channels: 3 },
    });
    for (const bytes of [
      await noisy.clone().png().toBuffer(),
      await noisy.clone().jpeg().toBuffer(),
      await noisy.clone().webp().toBuffer(),
    ]) {
      const error = await failure(intakeImages([dataSource(bytes.subarray(0, bytes.length >> 1))]));
      expect(error.code).toBe('002014006');
      expect(error.message).toContain('cut short');
    }
    // Start and end markers with nothing between: whole as a container, but no header to read.
    const empty = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
    const corrupt = await failure(intakeImages([dataSource(empty, 'image/jpeg')]));
    expect(corrupt.code).toBe('002014006');
    expect(corrupt.message).toContain('the jpeg header is corrupt');
  });

  it('accepts a jpeg with data after its end marker (motion photos append a video)', async () => {
    const jpeg = await solid(16, 16).jpeg().toBuffer();
    const [image] = await intakeImages([
      dataSource(Buffer.concat([jpeg, Buffer.alloc(1000, 7)]), 'image/jpeg'),
    ]);
    expect(image.width).toBe(16);
  });

  it('reports the displayed size of a jpeg with EXIF orientation 6', async () => {
    const rotated = await solid(40, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const [image] = await intakeImages([dataSource(rotated, 'image/jpeg')]);
    expect([image.width, image.height]).toEqual([20, 40]);
  });

  it('refuses a header claiming more pixels than the limit, without decoding', async () => {
    const error = await failure(
      intakeImages([dataSource(await solid(8, 8).png().toBuffer()), dataSource(pngHeader(40_000, 40_000))]),
    );
    expect(error.code).toBe('002014006');
    expect(error.param).toBe('images[1]');
    expect(error.message).toBe(
      'Could not decode the image for images[1]: 40000x40000 (1600 MP) exceeds the 100 MP pixel limit',
    );
  });

  it('applies the aspect rules with the API codes', async () => {
    const tall = await failure(intakeImages([dataSource(await solid(20, 100).png().toBuffer())]));
    expect(tall.code).toBe('002014007');
    expect(tall.param).toBe('images[0]');
    expect(tall.message).toContain('received 0.20 (20x100)');

    const wide = dataSource(await solid(160, 90).png().toBuffer());
    const portrait = dataSource(await solid(90, 160).png().toBuffer());
    const mismatch = await failure(intakeImages([wide, portrait]));
    expect(mismatch.code).toBe('002014008');
    expect(mismatch.param).toBe('images[1]');
    expect(mismatch.message).toContain("received 0.56 (90x160) against the start frame's 1.78 (160x90)");
  });

  it('applies the size limit to data URIs', async () => {
    const error = await failure(
      intakeImages([dataSource(await solid(64, 64).png().toBuffer())], { maxBytes: 100 }),
    );
    expect(error.code).toBe('002014004');
    expect(error.param).toBe('images[0]');
  });

  describe('with URLs', () => {
    let server: TestServer;
    let png: Buffer;
    beforeAll(async () => {
      png = await solid(48, 32).png().toBuffer();
      server = await startTestServer({
        '/start.png': (_, response) => response.writeHead(200).end(png),
        '/slow.png': (_, response) => setTimeout(() => response.writeHead(200).end(png), 200),
      });
    });
    afterAll(() => server.close());

    it('fetches URLs beside data URIs, in order', async () => {
      const images = await intakeImages(
        [{ kind: 'url', url: `${server.origin}/slow.png` }, dataSource(await solid(40, 30).png().toBuffer())],
        { allowPrivateHosts: ['127.0.0.1'] },
      );
      expect(images.map((image) => image.width)).toEqual([48, 40]);
      expect(Buffer.from(images[0].bytes)).toEqual(png);
    });

    it('names the image whose download failed', async () => {
      const error = await failure(
        intakeImages(
          [
            { kind: 'url', url: `${server.origin}/start.png` },
            { kind: 'url', url: `${server.origin}/missing.png` },
          ],
          { allowPrivateHosts: ['127.0.0.1'] },
        ),
      );
      expect(error.code).toBe('002014005');
      expect(error.param).toBe('images[1]');
      expect(error.message).toContain('HTTP 404');
    });
  });
});
