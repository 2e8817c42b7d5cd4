import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../src/engine/encode/index.js';
import { prepareWatermark } from '../src/engine/overlay/index.js';
import { renderVideo } from '../src/engine/render/render-video.js';
import { WorkerPool } from '../src/engine/render/worker-pool.js';
import { decodeFrames, probeVideo, skipWithoutFfprobe } from './helpers/probe-video.js';
import { drawRgb, textureAt } from './helpers/synthetic.js';

const run = promisify(execFile);
const W = 320;
const H = 180;
const texture = textureAt(13);
const start = drawRgb(W, H, (x, y, c) => texture(x, y, c));
const end = drawRgb(W, H, (x, y, c) => texture(x - 6, y, c));

let dir: string;
let pool: WorkerPool;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-finishing-'));
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

/** Mean absolute difference of two RGB frames inside or outside a box (with a margin around it). */
function diffAround(
  a: Uint8Array,
  b: Uint8Array,
  box: { x: number; y: number; width: number; height: number },
) {
  let inside = 0;
  let insideCount = 0;
  let outside = 0;
  let outsideCount = 0;
  const margin = 16;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const near =
        x >= box.x - margin &&
        x < box.x + box.width + margin &&
        y >= box.y - margin &&
        y < box.y + box.height + margin;
      const within = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      let d = 0;
      for (let c = 0; c < 3; c++) d += Math.abs(a[(y * W + x) * 3 + c] - b[(y * W + x) * 3 + c]);
      if (within) {
        inside += d / 3;
        insideCount++;
      } else if (!near) {
        outside += d / 3;
        outsideCount++;
      }
    }
  }
  return { inside: inside / insideCount, outside: outside / outsideCount };
}

describe.skipIf(skipWithoutFfprobe())('finishing options on real renders', () => {
  it('puts the watermark where wm_position says and nowhere else, on every frame and the cover', async () => {
    const plain = join(dir, 'plain.mp4');
    const marked = join(dir, 'marked.mp4');
    await renderVideo({ start, end, output: plain, duration: 1, seed: 4, pool });
    await renderVideo({
      start,
      end,
      output: marked,
      cover: join(dir, 'marked.jpg'),
      duration: 1,
      seed: 4,
      pool,
      watermark: { position: 1 },
    });
    const { box } = await prepareWatermark({ frameWidth: W, frameHeight: H, position: 1 });
    expect(box.x).toBeLessThan(W / 4);
    expect(box.y).toBeLessThan(H / 4);
    const [a, b] = await Promise.all([
      decodeFrames(resolveFfmpeg(), plain, { width: W, height: H, frames: 24 }),
      decodeFrames(resolveFfmpeg(), marked, { width: W, height: H, frames: 24 }),
    ]);
    for (const i of [0, 12, 23]) {
      // Outside the box only the encoder's own noise differs (x264 spends bits differently on the two videos).
      const d = diffAround(a[i], b[i], box);
      expect(d.inside).toBeGreaterThan(8);
      expect(d.outside).toBeLessThan(3);
      expect(d.inside).toBeGreaterThan(5 * d.outside);
    }
  });

  it('adds music that lasts the video and is not silent', async () => {
    const output = join(dir, 'music.mp4');
    const result = await renderVideo({ start, end, output, duration: 2, seed: 9, pool, bgm: true });
    expect(result.music?.preset).toBeTruthy();
    const probe = await probeVideo(output);
    const audio = probe.streams.find((s) => s.codec_type === 'audio');
    expect(audio).toMatchObject({ codec_name: 'aac' });
    expect(Number(audio!.duration)).toBeCloseTo(2, 1);
    const { stderr } = await run(resolveFfmpeg(), [
      '-hide_banner',
      '-i',
      output,
      '-map',
      '0:a',
      '-af',
      'volumedetect',
      '-f',
      'null',
      '-',
    ]);
    const mean = Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)![1]);
    expect(mean).toBeGreaterThan(-40);
  });

  it('keeps the first frame the start image under everything but the mark', async () => {
    const output = join(dir, 'all.mp4');
    const result = await renderVideo({
      start,
      end,
      output,
      duration: 1,
      seed: 2,
      pool,
      bgm: true,
      watermark: { position: 3 },
      metadata: { AIGC: '{"Label":"1"}' },
    });
    expect(result.frames).toBe(24);
    const [first] = await decodeFrames(resolveFfmpeg(), output, { width: W, height: H, frames: 1 });
    const { box } = await prepareWatermark({ frameWidth: W, frameHeight: H, position: 3 });
    expect(diffAround(first, start.data, box).outside).toBeLessThan(4);
  });
});
