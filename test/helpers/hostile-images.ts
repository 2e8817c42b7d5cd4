import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** One hostile (or awkward) input, what the API must answer for it, and why. */
export interface HostileImage {
  name: string;
  bytes: Buffer;
  /** The catalogue code a create with it as the only (or, with `pairedWith`, the end) image answers; 'ok' for accepted. */
  expected: string;
  /** A start frame to send before it, for the aspect-pair cases. */
  pairedWith?: Buffer;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A 60-byte PNG whose header declares `width` x `height` 8-bit RGB: a decompression bomb's shape. */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    // libvips reads the header once it sees the first IDAT; an empty zlib stream is enough.
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function solid(width: number, height: number) {
  return sharp({ create: { width, height, channels: 3, background: '#5a7d9a' } });
}

/** A real, whole, tiny JPEG whose frame header (SOF0) is rewritten to declare `width` x `height`. */
export async function jpegBomb(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await solid(16, 16).jpeg().toBuffer());
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  return jpeg;
}

/** A real lossless WebP whose VP8L header is rewritten to the format's largest canvas, 16384 x 16384 (268 MP). */
export async function webpBomb(): Promise<Buffer> {
  const webp = Buffer.from(await solid(16, 16).webp({ lossless: true }).toBuffer());
  const vp8l = webp.indexOf(Buffer.from('VP8L', 'latin1'));
  // After the chunk header (8 bytes) and the 0x2f signature: 14 bits width-1, 14 bits height-1, alpha, version.
  const at = vp8l + 9;
  const bits = webp.readUInt32LE(at);
  webp.writeUInt32LE(((bits & 0xf0000000) | (16383 << 14) | 16383) >>> 0, at);
  return webp;
}

/** A JPEG with an EXIF orientation tag. */
async function oriented(width: number, height: number, orientation: number): Promise<Buffer> {
  return solid(width, height).jpeg().withMetadata({ orientation }).toBuffer();
}

/** Every hostile and edge-case image the service is checked against (tests and bench/hostile-images.ts). */
export async function hostileImages(): Promise<HostileImage[]> {
  const png = await solid(64, 48).png().toBuffer();
  const jpeg = await solid(64, 48).jpeg().toBuffer();
  const webp = await solid(64, 48).webp().toBuffer();
  const half = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2));
  const garbage = (head: Buffer, length: number) =>
    Buffer.concat([head, Buffer.from(Array.from({ length }, (_, i) => (i * 97 + 13) & 255))]);
  return [
    { name: 'PNG bomb 20000x20000', bytes: pngBomb(20_000, 20_000), expected: '002014006' },
    { name: 'PNG bomb 100000x100000', bytes: pngBomb(100_000, 100_000), expected: '002014006' },
    {
      name: 'PNG bomb 2^31-1 x 1 (8:1 aside, over the limit)',
      bytes: pngBomb(2 ** 31 - 1, 1),
      expected: '002014006',
    },
    { name: 'JPEG bomb 20000x20000', bytes: await jpegBomb(20_000, 20_000), expected: '002014006' },
    { name: 'JPEG bomb 65500x65500', bytes: await jpegBomb(65_500, 65_500), expected: '002014006' },
    { name: 'WebP bomb 16384x16384 (the format maximum)', bytes: await webpBomb(), expected: '002014006' },
    { name: 'PNG cut in half', bytes: half(png), expected: '002014006' },
    { name: 'JPEG cut in half', bytes: half(jpeg), expected: '002014006' },
    { name: 'WebP cut in half', bytes: half(webp), expected: '002014006' },
    { name: 'PNG signature then garbage', bytes: garbage(png.subarray(0, 8), 400), expected: '002014006' },
    {
      name: 'JPEG SOI then garbage',
      bytes: garbage(Buffer.from([0xff, 0xd8, 0xff]), 400),
      expected: '002014006',
    },
    {
      name: 'WebP RIFF header then garbage',
      bytes: garbage(webp.subarray(0, 12), 400),
      expected: '002014006',
    },
    { name: 'GIF', bytes: await solid(16, 16).gif().toBuffer(), expected: '002014003' },
    { name: 'empty data URI', bytes: Buffer.alloc(0), expected: '002014006' },
    // EXIF orientation: the displayed shape is what the aspect rules judge.
    {
      name: 'JPEG 80x20 (4:1) turned by orientation 6 to 1:4',
      bytes: await oriented(80, 20, 6),
      expected: 'ok',
    },
    {
      name: 'JPEG 90x20 (4.5:1) with orientation 8',
      bytes: await oriented(90, 20, 8),
      expected: '002014007',
    },
    {
      name: 'end frame 30x40 turned by orientation 6 to match a 40x30 start',
      bytes: await oriented(30, 40, 6),
      pairedWith: await solid(40, 30).png().toBuffer(),
      expected: 'ok',
    },
    {
      name: 'end frame 40x30 turned by orientation 5 against a 40x30 start',
      bytes: await oriented(40, 30, 5),
      pairedWith: await solid(40, 30).png().toBuffer(),
      expected: '002014008',
    },
    {
      name: 'JPEG with orientation 3 (half turn, same shape)',
      bytes: await oriented(40, 30, 3),
      expected: 'ok',
    },
  ];
}
