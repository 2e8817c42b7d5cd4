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
import type { RgbImage } from '../src/engine/raster/types.js';
import { prepareScene } from '../src/engine/render/render-video.js';
import {
  drawSceneRun,
  FRAMES_PER_RUN,
  hasOwnFields,
  runCount,
  runTimes,
} from '../src/engine/render/scene-run.js';
import { drawSceneFrame } from '../src/engine/render/scene.js';
import { inlineFlowPool } from '../test/helpers/inline-pool.js';
import { machineLine, psnr } from './eval-io.js';
import { keyframePairs } from './eval-pairs.js';

const { values } = parseArgs({
  options: {
    resolution: { type: 'string', default: '720p' },
    duration: { type: 'string', default: '5' },
  },
});
const frames = Number(values.duration) * 24;

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
  const { scene } = await prepareScene({ start, end, seed: 1, pool: inlineFlowPool });
  const pixels = start.width * start.height;
  let sum = 0;
  let worst = Infinity;
  let between = 0;
  let anchorsExact = true;
  // The luma plane alone, as a one-channel image (identical frames score eval-io's 99 dB).
  const luma = (data: Uint8Array): RgbImage => ({ ...start, data: data.subarray(0, pixels) });
  for (let r = 0; r < runCount(frames); r++) {
    const ts = runTimes(r, frames);
    drawSceneRun(scene, ts).forEach((frame, k) => {
      const exact = drawSceneFrame(scene, ts[k]);
      if (hasOwnFields(k, ts.length)) {
        anchorsExact &&= Buffer.compare(frame, exact) === 0;
        return;
      }
      const score = psnr(luma(frame), luma(exact));
      sum += score;
      worst = Math.min(worst, score);
      between++;
    });
  }
  const row = [pair.name, between, (sum / between).toFixed(2), worst.toFixed(2), anchorsExact ? 'yes' : 'NO'];
  console.log(`| ${row.join(' | ')} |`);
}
