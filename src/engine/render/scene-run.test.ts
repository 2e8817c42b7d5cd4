import { describe, expect, it } from 'vitest';
import { drawRgb, textureAt } from '../../../test/helpers/synthetic.js';
import type { RgbImage } from '../raster/types.js';
import { rgbToYuv420 } from '../synth/yuv420.js';
import { inlineFlowPool } from '../../../test/helpers/inline-pool.js';
import { prepareScene } from './render-video.js';
import { drawSceneRun, hasOwnFields, runCount, runTimes } from './scene-run.js';
import { drawSceneFrame, type Scene } from './scene.js';

const W = 160;
const H = 96;
const background = textureAt(5);
const objectTexture = textureAt(9);
/** A textured background panning 6 px and a brighter 28 px square crossing it by 30 px. */
const frameAt = (shift: number, left: number): RgbImage =>
  drawRgb(W, H, (x, y, c) =>
    x >= left && x < left + 28 && y >= 34 && y < 62
      ? 40 + 0.8 * objectTexture(x - left, y, c)
      : background(x - shift, y, c),
  );

async function sceneOf(end: RgbImage | null, prompt = ''): Promise<Scene> {
  return (await prepareScene({ start: frameAt(0, 40), end, prompt, seed: 5, pool: inlineFlowPool })).scene;
}

/** Luma PSNR of two yuv420p frames of the clip's size. */
function lumaPsnr(a: Uint8Array, b: Uint8Array): number {
  let squared = 0;
  for (let i = 0; i < W * H; i++) squared += (a[i] - b[i]) ** 2;
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / (W * H)));
}

describe('drawSceneRun', () => {
  it('draws every other frame as drawSceneFrame does, to the bit, and the ones between close to it', async () => {
    const scene = await sceneOf(frameAt(6, 70));
    const frames = 24;
    for (let r = 0; r < runCount(frames); r++) {
      const ts = runTimes(r, frames);
      const run = drawSceneRun(scene, ts);
      expect(run).toHaveLength(ts.length);
      run.forEach((frame, k) => {
        const exact = drawSceneFrame(scene, ts[k]);
        if (hasOwnFields(k, ts.length)) expect(Buffer.compare(frame, exact)).toBe(0);
        // The square moves 1.3 px a frame here (fast for its 28 px): a frame drawn from the mean of its
        // neighbours' fields is still closer to its own than the frame before it is (39.6-56.4 dB against
        // 36.3-40.2 dB, by 2.0-16.7 dB, since unconfident fast vectors lost their lead in the splat; 3.4 dB
        // and more before that).
        else {
          const neighbour = drawSceneFrame(scene, ts[k - 1]);
          expect(lumaPsnr(frame, exact)).toBeGreaterThan(lumaPsnr(neighbour, exact) + 1.5);
        }
      });
    }
  });

  it('keeps the endpoints exact keyframes, and computes a run of any length', async () => {
    const end = frameAt(6, 70);
    const scene = await sceneOf(end);
    const last = drawSceneRun(scene, [0.75, 0.8, 0.85, 0.9, 0.95, 1]);
    expect(last).toHaveLength(6);
    expect(Buffer.compare(last[5], rgbToYuv420(end).data)).toBe(0);
    // An even run ends on an anchor: its last two frames are both drawn with their own fields.
    expect(Buffer.compare(last[4], drawSceneFrame(scene, 0.95))).toBe(0);
    const [first] = drawSceneRun(scene, [0]);
    expect(Buffer.compare(first, rgbToYuv420(frameAt(0, 40)).data)).toBe(0);
    expect(drawSceneRun(scene, [])).toEqual([]);
  });

  it('draws into the buffers it is given', async () => {
    const scene = await sceneOf(frameAt(6, 70));
    const outs = [0, 1, 2].map(() => new Uint8Array((W * H * 3) / 2));
    const run = drawSceneRun(scene, [0.2, 0.25, 0.3], outs);
    run.forEach((frame, k) => expect(frame).toBe(outs[k]));
    expect(Buffer.compare(run[2], drawSceneFrame(scene, 0.3))).toBe(0);
  });

  it('draws image-to-video and cuts frame by frame, as drawSceneFrame does', async () => {
    const still = await sceneOf(null, 'push in');
    // A checkerboard shares nothing with the textured start (as in large-motion.test.ts): a cut.
    const unrelated = drawRgb(W, H, (x, y, c) =>
      ((x >> 3) + (y >> 3)) % 2 === 0 ? 30 + 40 * c : 220 - 30 * c,
    );
    const cut = await sceneOf(unrelated);
    expect(cut.motion?.transition).toBe('dissolve');
    for (const scene of [still, cut]) {
      const ts = [0.4, 0.45, 0.5];
      drawSceneRun(scene, ts).forEach((frame, k) =>
        expect(Buffer.compare(frame, drawSceneFrame(scene, ts[k]))).toBe(0),
      );
    }
  });
});
