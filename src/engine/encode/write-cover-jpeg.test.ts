import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRgb } from '../raster/planes.js';
import { writeCoverJpeg } from './write-cover-jpeg.js';

describe('writeCoverJpeg', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inbetween-cover-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a JPEG of the frame', async () => {
    const frame = createRgb(40, 30);
    for (let i = 0; i < frame.data.length; i += 3) frame.data.set([200, 40, 90], i);
    const path = join(dir, 'cover.jpg');
    await writeCoverJpeg(frame, path);
    const bytes = await readFile(path);
    expect([bytes[0], bytes[1], bytes[2]]).toEqual([0xff, 0xd8, 0xff]);
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([40, 30, 3]);
    const centre = (15 * 40 + 20) * 3;
    [200, 40, 90].forEach((value, c) => expect(Math.abs(data[centre + c] - value)).toBeLessThanOrEqual(4));
  });

  it('rejects a bad quality', async () => {
    await expect(writeCoverJpeg(createRgb(2, 2), join(dir, 'x.jpg'), 0)).rejects.toThrow(
      'Expected an integer 1..100 for quality but received 0',
    );
  });
});
