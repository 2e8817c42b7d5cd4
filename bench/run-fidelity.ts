/**
 * What drawing frames in runs costs in fidelity: every frame of a --duration clip at --resolution, drawn as the
 * render workers draw it (drawSceneRun, runs of FRAMES_PER_RUN, every other frame from the mean of its
 * neighbours' fields) and drawn with its own fields (drawSceneFrame), for the samples/ pair and every pair in
 * ../shared/eval/pairs; luma PSNR of each in-between frame against its exact one, mean and worst per pair.
 * For scale, x264 at the renderer's settings (veryfast, crf 18) changes the tunnel clip by 48.5 dB of luma.
 * Usage: npx tsx bench/run-fidelity.ts [--resolution 720p] [--duration 5]
 */
import { parseArgs } from 'node:util';
import { loadKeyframes, type Resolution } from '../src/engine/input/index.js';
import type { RenderJob } from '../src/engine/render/render-worker.js';
import { prepareScene, type FramePool } from '../src/engine/render/render-video.js';
import { drawSceneRun, FRAMES_PER_RUN } from '../src/engine/render/scene-run.js';
import { drawSceneFrame } from '../src/engine/render/scene.js';
import { computeFlow } from '../src/engine/flow/index.js';
import { machineLine } from './eval-io.js';
import { keyframePairs } from './eval-pairs.js';

const { values } = parseArgs({
  options: {
    resolution: { type: 'string', default: '720p' },
    duration: { type: 'string', default: '5' },
  },
});
const frames = Number(values.duration) * 24;

const inlinePool: FramePool = {
  size: 1,
  run: <T>(message: unknown): Promise<T> => {
    const job = message as Extract<RenderJob, { type: 'flow' }>;
    return Promise.resolve(computeFlow(job.from, job.to, job.options) as T);
  },
};

function lumaPsnr(a: Uint8Array, b: Uint8Array, pixels: number): number {
  let squared = 0;
  for (let i = 0; i < pixels; i++) squared += (a[i] - b[i]) ** 2;
  return squared === 0 ? Infinity : 10 * Math.log10((255 * 255) / (squared / pixels));
}

const pairs = keyframePairs();

console.log(machineLine());
console.log(`${values.resolution}, ${frames} frames, runs of ${FRAMES_PER_RUN}`);
console.log('| pair | in-between frames | luma PSNR mean (dB) | worst (dB) | anchors bit-identical |');
console.log('|---|---|---|---|---|');
for (const pair of pairs) {
  const { start, end } = await loadKeyframes({
    start: pair.start,
    end: pair.end,
    resolution: values.resolution as Resolution,
  });
  const { scene } = await prepareScene({ start, end, seed: 1, pool: inlinePool });
  const pixels = start.width * start.height;
  let sum = 0;
  let worst = Infinity;
  let between = 0;
  let anchorsExact = true;
  for (let first = 0; first < frames; first += FRAMES_PER_RUN) {
    const ts = Array.from(
      { length: Math.min(FRAMES_PER_RUN, frames - first) },
      (_, k) => (first + k) / (frames - 1),
    );
    drawSceneRun(scene, ts).forEach((frame, k) => {
      const exact = drawSceneFrame(scene, ts[k]);
      if (k % 2 === 0 || k === ts.length - 1) {
        anchorsExact &&= Buffer.compare(frame, exact) === 0;
        return;
      }
      const psnr = lumaPsnr(frame, exact, pixels);
      sum += Math.min(psnr, 99);
      worst = Math.min(worst, psnr);
      between++;
    });
  }
  const row = [pair.name, between, (sum / between).toFixed(2), worst.toFixed(2), anchorsExact ? 'yes' : 'NO'];
  console.log(`| ${row.join(' | ')} |`);
}
