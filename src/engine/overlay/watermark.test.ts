import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { InputImageError } from '../../image-rules/index.js';
import type { RgbImage } from '../raster/types.js';
import { rgbToYuv420, yuv420ToRgb } from '../synth/yuv420.js';
import {
  applyWatermark,
  applyWatermarkRgb,
  prepareWatermark,
  type Box,
  type Watermark,
  type WatermarkPosition,
} from './index.js';
import { watermarkMargin } from './watermark-layout.js';

/** A frame with a gentle gradient, so any change of a pixel shows up. */
function gradientRgb(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 3 * (y * width + x);
      data[o] = (40 + (x * 150) / width) | 0;
      data[o + 1] = (60 + (y * 120) / height) | 0;
      data[o + 2] = (90 + ((x + y) * 60) / (width + height)) | 0;
    }
  }
  return { width, height, data };
}

function flatYuv(width: number, height: number, level: number): Uint8Array {
  const data = new Uint8Array(width * height * 3).fill(level);
  return rgbToYuv420({ width, height, data }).data;
}

/** Bounding box of the samples of one plane that differ, or null when none does. */
function changedBounds(
  before: Uint8Array,
  after: Uint8Array,
  base: number,
  width: number,
  height: number,
): Box | null {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = base + y * width + x;
      if (before[i] === after[i]) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function expectInside(inner: Box | null, outer: Box): void {
  expect(inner).not.toBeNull();
  if (inner === null) return;
  expect(inner.x).toBeGreaterThanOrEqual(outer.x);
  expect(inner.y).toBeGreaterThanOrEqual(outer.y);
  expect(inner.x + inner.width).toBeLessThanOrEqual(outer.x + outer.width);
  expect(inner.y + inner.height).toBeLessThanOrEqual(outer.y + outer.height);
}

function lumaRange(frame: Uint8Array, width: number, box: Box): { min: number; max: number } {
  let [min, max] = [255, 0];
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      min = Math.min(min, frame[y * width + x]);
      max = Math.max(max, frame[y * width + x]);
    }
  }
  return { min, max };
}

async function pngWithHole(): Promise<Uint8Array> {
  const size = 64;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const hole = x >= 16 && x < 48 && y >= 16 && y < 48;
      data.set(hole ? [0, 0, 0, 0] : [230, 20, 20, 255], 4 * (y * size + x));
    }
  }
  const png = await sharp(data, { raw: { width: size, height: size, channels: 4 } })
    .png()
    .toBuffer();
  return new Uint8Array(png);
}

const W = 320;
const H = 180;

describe('prepareWatermark and applyWatermark', () => {
  it.each([1, 2, 3, 4] as const)(
    'changes pixels only inside the corner box for position %i',
    async (position) => {
      const mark = await prepareWatermark({ frameWidth: W, frameHeight: H, position });
      const { box } = mark;
      const margin = watermarkMargin(W, H);
      const left = position === 1 || position === 4;
      const top = position === 1 || position === 2;
      // Even-aligned, in the named corner, the margin from the near edges (alignment adds at most 1 px).
      for (const v of [box.x, box.y, box.width, box.height]) expect(v % 2).toBe(0);
      const fromX = left ? box.x : W - box.x - box.width;
      const fromY = top ? box.y : H - box.y - box.height;
      expect(fromX).toBeGreaterThanOrEqual(margin);
      expect(fromX).toBeLessThanOrEqual(margin + 1);
      expect(fromY).toBeGreaterThanOrEqual(margin);
      expect(fromY).toBeLessThanOrEqual(margin + 1);

      const before = rgbToYuv420(gradientRgb(W, H)).data;
      const after = before.slice();
      applyWatermark(after, W, H, mark);
      expectInside(changedBounds(before, after, 0, W, H), box);
      const chromaBox = { x: box.x / 2, y: box.y / 2, width: box.width / 2, height: box.height / 2 };
      const uBase = W * H;
      const vBase = uBase + (W / 2) * (H / 2);
      for (const base of [uBase, vBase]) {
        const bounds = changedBounds(before, after, base, W / 2, H / 2);
        if (bounds !== null) expectInside(bounds, chromaBox);
      }
    },
  );

  it('defaults to the bottom-right corner and sizes the text from the shorter side', async () => {
    const mark = await prepareWatermark({ frameWidth: 1920, frameHeight: 1080 });
    expect(mark.kind).toBe('text');
    expect(mark.box.x).toBeGreaterThan(1920 / 2);
    expect(mark.box.y).toBeGreaterThan(1080 / 2);
    // Capitals 3.5% of 1080 (38 px) plus the halo's padding: the box is some 50 to 80 px tall.
    expect(mark.box.height).toBeGreaterThan(45);
    expect(mark.box.height).toBeLessThan(80);
  });

  it('shows the text on a black and on a white frame', async () => {
    const [w, h] = [640, 360];
    const mark = await prepareWatermark({ frameWidth: w, frameHeight: h, position: 1 });
    const black = flatYuv(w, h, 0);
    applyWatermark(black, w, h, mark);
    const onBlack = lumaRange(black, w, mark.box);
    expect(onBlack.max).toBeGreaterThan(200);
    expect(onBlack.max - onBlack.min).toBeGreaterThan(150);

    const white = flatYuv(w, h, 255);
    applyWatermark(white, w, h, mark);
    const onWhite = lumaRange(white, w, mark.box);
    // The letters stay white; the dark halo around them is what separates them from a bright sky.
    expect(onWhite.max).toBeGreaterThan(225);
    expect(onWhite.min).toBeLessThan(130);
  });

  it('keeps an image mark’s transparency: the frame is untouched under the hole', async () => {
    const mark = await prepareWatermark({ frameWidth: W, frameHeight: H, image: await pngWithHole() });
    expect(mark.kind).toBe('image');
    const { box } = mark;
    // 18% of 320 is 58 px wide, but a square logo would be taller than 25% of 180 (45 px): 45x45, in a 46x46 box.
    expect(box.width).toBe(46);
    expect(box.height).toBe(46);
    const before = rgbToYuv420(gradientRgb(W, H)).data;
    const after = before.slice();
    applyWatermark(after, W, H, mark);
    expectInside(changedBounds(before, after, 0, W, H), box);
    // The hole spans 16..48 of 64 source pixels, 11..34 of 45; away from the resampling kernel's reach.
    for (let y = 16; y < 30; y++) {
      for (let x = 16; x < 30; x++) {
        const i = (box.y + y) * W + box.x + x;
        expect(after[i]).toBe(before[i]);
      }
    }
    const uBase = W * H;
    for (let cy = 8; cy < 15; cy++) {
      for (let cx = 8; cx < 15; cx++) {
        const i = uBase + (box.y / 2 + cy) * (W / 2) + box.x / 2 + cx;
        expect(after[i]).toBe(before[i]);
      }
    }
    // The opaque ring is drawn: red has V (Cr) well above neutral.
    const vBase = uBase + (W / 2) * (H / 2);
    expect(after[vBase + (box.y / 2 + 2) * (W / 2) + box.x / 2 + 2]).toBeGreaterThan(200);
  });

  it('gives identical output for identical input', async () => {
    const image = await pngWithHole();
    for (const options of [{}, { image }]) {
      const a = await prepareWatermark({ frameWidth: W, frameHeight: H, position: 2, ...options });
      const b = await prepareWatermark({ frameWidth: W, frameHeight: H, position: 2, ...options });
      const frameA = rgbToYuv420(gradientRgb(W, H)).data;
      const frameB = frameA.slice();
      applyWatermark(frameA, W, H, a);
      applyWatermark(frameB, W, H, b);
      expect(Buffer.from(frameA).equals(Buffer.from(frameB))).toBe(true);
    }
  });

  it('rejects bad image bytes with a clear error naming wm_url', async () => {
    const bad = (image: Uint8Array): Promise<Watermark> =>
      prepareWatermark({ frameWidth: W, frameHeight: H, image });
    await expect(bad(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({
      name: 'InputImageError',
      code: 'unsupported_format',
      message: 'wm_url: unsupported image format (unrecognised data); expected png, jpeg or webp',
    });
    const gif = new TextEncoder().encode('GIF89a\x01\x00\x01\x00');
    await expect(bad(gif)).rejects.toThrow(/wm_url: unsupported image format \(gif\)/);
    const truncated = (await pngWithHole()).subarray(0, 60);
    const error: unknown = await bad(truncated).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputImageError);
    expect((error as InputImageError).code).toBe('decode_failed');
    expect((error as InputImageError).message).toMatch(/^wm_url: could not decode png image/);
  });

  it('rejects a frame of another size and bad options', async () => {
    const mark = await prepareWatermark({ frameWidth: W, frameHeight: H });
    expect(() => applyWatermark(new Uint8Array(64 * 64 * 1.5), 64, 64, mark)).toThrow(
      'Expected a 320x180 frame for this watermark but received 64x64',
    );
    await expect(prepareWatermark({ frameWidth: 321, frameHeight: H })).rejects.toThrow(
      'Expected a positive even integer for frameWidth but received 321',
    );
    await expect(
      prepareWatermark({ frameWidth: W, frameHeight: H, position: 5 as WatermarkPosition }),
    ).rejects.toThrow('Expected 1, 2, 3 or 4 for position but received 5');
  });

  it('draws the same mark on the RGB cover as on the video frame', async () => {
    const mark = await prepareWatermark({ frameWidth: W, frameHeight: H, position: 4 });
    const rgb = gradientRgb(W, H);
    const video = rgbToYuv420(rgb);
    applyWatermark(video.data, W, H, mark);
    const fromVideo = yuv420ToRgb(video);
    const plainVideo = yuv420ToRgb(rgbToYuv420(rgb));
    const cover = { ...rgb, data: rgb.data.slice() };
    applyWatermarkRgb(cover, mark);
    expectInside(changedBounds(rgb.data, cover.data, 0, 3 * W, H), {
      ...mark.box,
      x: 3 * mark.box.x,
      width: 3 * mark.box.width,
    });
    // The cover against the decoded video frame, less what yuv420p itself costs the unmarked frame.
    let markedError = 0;
    let plainError = 0;
    for (let i = 0; i < cover.data.length; i++) {
      markedError += Math.abs(cover.data[i] - fromVideo.data[i]);
      plainError += Math.abs(rgb.data[i] - plainVideo.data[i]);
    }
    const boxSamples = 3 * mark.box.width * mark.box.height;
    expect((markedError - plainError) / boxSamples).toBeLessThan(4);
  });
});
