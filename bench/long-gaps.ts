/**
 * Long gaps on clips/street: start frame 0, end frame g, truth frame g/2, for g = 8, 16, 32, 64. PSNR of the
 * middle frame beside blend and minterpolate, and the reference-free checks on the whole in-between sequence
 * (frames at i/g): endpoints exact, no frame-to-frame jumps, no flicker. The real footage's own frames 0..g get
 * the same reference-free numbers, as a yardstick.
 * Usage: npm run bench:gaps
 */
import { interpolateFrames } from '../src/engine/render/interpolate-frames.js';
import type { RgbImage } from '../src/engine/raster/types.js';
import {
  blend,
  interpolationError,
  machineLine,
  minterpolateMiddle,
  psnr,
  readRgb,
  ssim,
} from './eval-io.js';
import { streetFrame as frame } from './eval-pairs.js';

function maxAbsDiff(a: RgbImage, b: RgbImage): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  return max;
}

/**
 * Jump: the largest step between consecutive frames over the median step (1 = perfectly even motion; a
 * duplicated frame next to a doubled step shows as 2 or more). Flicker: the mean absolute second difference
 * over the mean absolute first difference (brightness going back and forth between frames raises it).
 */
function smoothness(frames: RgbImage[]): { jump: number; flicker: number } {
  const steps: number[] = [];
  for (let i = 1; i < frames.length; i++) steps.push(interpolationError(frames[i], frames[i - 1]));
  const sorted = [...steps].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  let second = 0;
  const n = frames[0].data.length;
  for (let i = 1; i < frames.length - 1; i++) {
    const a = frames[i - 1].data;
    const b = frames[i].data;
    const c = frames[i + 1].data;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += Math.abs(c[k] - 2 * b[k] + a[k]);
    second += sum / n;
  }
  second /= Math.max(1, frames.length - 2);
  const meanStep = steps.reduce((x, y) => x + y, 0) / steps.length;
  return { jump: Math.max(...steps) / Math.max(1e-9, median), flicker: second / Math.max(1e-9, meanStep) };
}

console.log(`Long gaps on clips/street (960x507), ${machineLine()}\n`);
console.log(
  '| g | blend PSNR / SSIM | minterpolate PSNR / SSIM | inbetween PSNR / SSIM | endpoints max diff | jump (ours / footage) | flicker (ours / footage) | ms per frame |',
);
console.log('|---|---|---|---|---|---|---|---|');
const score = (image: RgbImage, truth: RgbImage): string =>
  `${psnr(image, truth).toFixed(2)} / ${ssim(image, truth).toFixed(4)}`;
for (const g of [8, 16, 32, 64]) {
  const [start, end, truth] = await Promise.all([
    readRgb(frame(0)),
    readRgb(frame(g)),
    readRgb(frame(g / 2)),
  ]);
  const times = Array.from({ length: g + 1 }, (_, i) => i / g);
  const t0 = performance.now();
  const ours = await interpolateFrames(start, end, times);
  const ms = (performance.now() - t0) / times.length;
  const footage = await Promise.all(times.map((_, i) => readRgb(frame(i))));
  const mi = await minterpolateMiddle(frame(0), frame(g));
  const endpoints = Math.max(maxAbsDiff(ours[0], start), maxAbsDiff(ours[g], end));
  const s = smoothness(ours);
  const f = smoothness(footage);
  console.log(
    `| ${g} | ${score(blend(start, end), truth)} | ${score(mi, truth)} | ${score(ours[g / 2], truth)} | ` +
      `${endpoints} | ${s.jump.toFixed(2)} / ${f.jump.toFixed(2)} | ${s.flicker.toFixed(2)} / ${f.flicker.toFixed(2)} | ${ms.toFixed(0)} |`,
  );
}
