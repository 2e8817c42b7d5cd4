import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../src/engine/encode/index.js';
import type { RgbImage } from '../src/engine/raster/types.js';
import {
  generateFrames,
  prepareScene,
  renderVideo,
  type FramePool,
} from '../src/engine/render/render-video.js';
import { WorkerPool } from '../src/engine/render/worker-pool.js';
import { rgbToYuv420, yuv420ToRgb } from '../src/engine/synth/yuv420.js';
import { decodeFrames, probeVideo, skipWithoutFfprobe } from './helpers/probe-video.js';
import { drawRgb, meanAbsDiff, textureAt } from './helpers/synthetic.js';

const W = 160;
const H = 96;
const texture = textureAt(5);
const start = drawRgb(W, H, (x, y, c) => texture(x, y, c));
const end = drawRgb(W, H, (x, y, c) => texture(x - 10, y - 4, c));

const noProbe = skipWithoutFfprobe();

let dir: string;
let pool: WorkerPool;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-render-'));
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

async function framesOf(
  scene: Awaited<ReturnType<typeof prepareScene>>['scene'],
  count: number,
): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of generateFrames(pool, scene, count)) frames.push(frame);
  return frames;
}

describe('frames before encoding', () => {
  it('starts on the start frame and ends on the end frame, to the pixel, even with a camera move', async () => {
    const { scene, camera } = await prepareScene({ start, end, prompt: 'slow pan left', seed: 7, pool });
    expect(camera.move).toBe('pan-left');
    const frames = await framesOf(scene, 12);
    expect(frames).toHaveLength(12);
    // Video frames are drawn in yuv420p, the encoder's input: the keyframes' exact conversion at both ends.
    expect(Buffer.compare(frames[0], rgbToYuv420(start).data)).toBe(0);
    expect(Buffer.compare(frames[11], rgbToYuv420(end).data)).toBe(0);
    // The middle is neither keyframe: the content has moved about half way.
    const middle = yuv420ToRgb({ width: W, height: H, data: frames[6] });
    expect(meanAbsDiff(middle, start)).toBeGreaterThan(2);
    expect(meanAbsDiff(middle, end)).toBeGreaterThan(2);
  });

  it('gives identical frames for the same inputs, options and seed', async () => {
    const a = await prepareScene({ start, end, prompt: 'orbit the tower', seed: 99, pool });
    const b = await prepareScene({ start, end, prompt: 'orbit the tower', seed: 99, pool });
    expect(a.camera).toEqual(b.camera);
    const [fa, fb] = [await framesOf(a.scene, 8), await framesOf(b.scene, 8)];
    fa.forEach((frame, i) => expect(Buffer.compare(frame, fb[i])).toBe(0));
  });

  it('moves a single image with the camera alone, from the start image on', async () => {
    const { scene, camera } = await prepareScene({ start, end: null, prompt: 'push in', seed: 3, pool });
    expect(camera).toMatchObject({ move: 'push-in', bounded: false });
    const frames = await framesOf(scene, 6);
    expect(Buffer.compare(frames[0], rgbToYuv420(start).data)).toBe(0);
    const last = yuv420ToRgb({ width: W, height: H, data: frames[5] });
    expect(meanAbsDiff(last, start)).toBeGreaterThan(2);
  });

  it('keeps only a few runs of frames in flight, however long the clip', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: FramePool = {
      size: pool.size,
      run: async <T>(message: unknown): Promise<T> => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await pool.run<T>(message);
        } finally {
          inFlight--;
        }
      },
    };
    const { scene } = await prepareScene({ start, end, seed: 1, pool });
    let seen = 0;
    for await (const _frame of generateFrames(counting, scene, 40)) {
      seen++;
      await new Promise((resolve) => setTimeout(resolve, 2)); // a slow consumer, like a busy encoder
    }
    expect(seen).toBe(40);
    // Each job is a run of FRAMES_PER_RUN frames: two runs per thread at most, out of the clip's eight.
    expect(peak).toBeLessThanOrEqual(pool.size * 2);
    expect(peak).toBeGreaterThan(0);
  });
});

describe.skipIf(noProbe)('renderVideo', () => {
  it('encodes duration x 24 frames of the keyframes at their size, with a cover', async () => {
    const output = join(dir, 'pair.mp4');
    const cover = join(dir, 'pair.jpg');
    const progress: number[] = [];
    const result = await renderVideo({
      start,
      end,
      output,
      cover,
      duration: 1,
      seed: 0,
      pool,
      onProgress: (p) => progress.push(p.fraction),
    });
    expect(result.seed).toBeGreaterThan(0);
    expect(result).toMatchObject({ width: W, height: H, frames: 24, fps: 24, duration: 1 });
    const probe = await probeVideo(output);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({
      codec_name: 'h264',
      width: W,
      height: H,
      pix_fmt: 'yuv420p',
      color_primaries: 'bt709',
    });
    expect(Number(video.nb_read_frames)).toBe(24);
    expect(Number(probe.format.duration)).toBeCloseTo(1, 1);
    expect(progress.at(-1)).toBe(1);
    expect(await sharp(cover).metadata()).toMatchObject({ format: 'jpeg', width: W, height: H });
    // The decoded first and last frames are the keyframes, within what 4:2:0 chroma and CRF 18 keep of this
    // colourful texture, and far nearer to their own keyframe than to the other one.
    const decoded = await decodeFrames(resolveFfmpeg(), output, { width: W, height: H, frames: 24 });
    const first: RgbImage = { width: W, height: H, data: decoded[0] };
    const last: RgbImage = { width: W, height: H, data: decoded[23] };
    expect(meanAbsDiff(first, start)).toBeLessThan(6);
    expect(meanAbsDiff(last, end)).toBeLessThan(6);
    expect(meanAbsDiff(first, end)).toBeGreaterThan(2 * meanAbsDiff(first, start));
  });

  it('stops on abort: ffmpeg killed, no partial file, the pool still usable', async () => {
    const output = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    const render = renderVideo({
      start,
      end,
      output,
      duration: 8,
      seed: 5,
      pool,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.framesDone === 10) controller.abort(new Error('user cancelled'));
      },
    });
    await expect(render).rejects.toThrow();
    expect(existsSync(output)).toBe(false);
    const again = await renderVideo({
      start,
      end,
      output: join(dir, 'after.mp4'),
      duration: 1,
      seed: 5,
      pool,
    });
    expect(again.frames).toBe(24);
  });

  it('rejects bad options before doing any work', async () => {
    const output = join(dir, 'bad.mp4');
    await expect(renderVideo({ start, end, output, duration: 9, pool })).rejects.toThrow(
      /1\.\.8 for duration/,
    );
    await expect(renderVideo({ start, end, output, duration: 2.5, pool })).rejects.toThrow(/duration/);
    const odd = drawRgb(W + 1, H, () => 0);
    await expect(renderVideo({ start: odd, end: null, output, duration: 1, pool })).rejects.toThrow(/even/);
    const small = drawRgb(W / 2, H / 2, () => 0);
    await expect(renderVideo({ start, end: small, output, duration: 1, pool })).rejects.toThrow(/fitted/);
    expect(existsSync(output)).toBe(false);
  });
});
