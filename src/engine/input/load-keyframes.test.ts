import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InputImageError } from '../../image-rules/index.js';
import { loadKeyframes } from './load-keyframes.js';

describe('loadKeyframes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inbetween-input-'));
    const solid = (w: number, h: number, background: string) =>
      sharp({ create: { width: w, height: h, channels: 3, background } });
    await writeFile(join(dir, 'start.png'), await solid(320, 180, '#ff0000').png().toBuffer());
    await writeFile(join(dir, 'end.jpg'), await solid(270, 180, '#0000ff').jpeg().toBuffer());
    await writeFile(
      join(dir, 'odd.webp'),
      await solid(101, 57, '#00ff00').webp({ lossless: true }).toBuffer(),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes and fits both frames to the resolution', async () => {
    const frames = await loadKeyframes({
      start: join(dir, 'start.png'),
      end: join(dir, 'end.jpg'),
      resolution: '540p',
    });
    expect([frames.width, frames.height]).toEqual([960, 540]);
    expect([frames.start.width, frames.start.height]).toEqual([960, 540]);
    expect([frames.end?.width, frames.end?.height]).toEqual([960, 540]);
    expect(Array.from(frames.start.data.subarray(0, 3))).toEqual([255, 0, 0]);
  });

  it("keeps the start frame's own size with size: 'input'", async () => {
    const frames = await loadKeyframes({ start: join(dir, 'odd.webp'), end: null, size: 'input' });
    expect([frames.width, frames.height, frames.end]).toEqual([101, 57, null]);
    expect(Array.from(frames.start.data.subarray(0, 3))).toEqual([0, 255, 0]);
  });

  it('names a missing file', async () => {
    const missing = join(dir, 'nope.png');
    const error: unknown = await loadKeyframes({
      start: join(dir, 'start.png'),
      end: missing,
      resolution: '720p',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputImageError);
    expect((error as InputImageError).code).toBe('not_found');
    expect((error as InputImageError).message).toBe(`${missing}: file not found`);
  });
});
