/**
 * Middle-frame quality on the DAVIS and UCF101 triplets: PSNR and IE against the true middle frame, for
 * inbetween, a 50/50 blend and ffmpeg minterpolate (mi_mode=mci:scd=none), all made in this run.
 * Usage: npm run bench:quality [-- --only davis|ucf101]
 */
import { parseArgs } from 'node:util';
import { interpolateFrames } from '../src/engine/render/interpolate-frames.js';
import {
  blend,
  interpolationError,
  machineLine,
  mean,
  minterpolateMiddle,
  psnr,
  readRgb,
  ssim,
} from './eval-io.js';
import { davisTriplets, ucf101Triplets, type Triplet } from './eval-pairs.js';

interface Scores {
  psnr: number[];
  ssim: number[];
  ie: number[];
  ms: number[];
}

async function evaluate(
  set: string,
  triplets: Triplet[],
  withMinterpolate: boolean,
): Promise<Record<string, Scores>> {
  const scores: Record<string, Scores> = {};
  const add = (
    method: string,
    image: Parameters<typeof psnr>[0],
    truth: Parameters<typeof psnr>[0],
    ms: number,
  ): void => {
    scores[method] ??= { psnr: [], ssim: [], ie: [], ms: [] };
    scores[method].psnr.push(psnr(image, truth));
    scores[method].ssim.push(ssim(image, truth));
    const e = interpolationError(image, truth);
    scores[method].ie.push(e);
    scores[method].ms.push(ms);
  };
  for (const triplet of triplets) {
    const [start, end, truth] = await Promise.all([
      readRgb(triplet.start),
      readRgb(triplet.end),
      readRgb(triplet.truth),
    ]);
    let t0 = performance.now();
    const [ours] = await interpolateFrames(start, end, [0.5]);
    add('inbetween', ours, truth, performance.now() - t0);
    t0 = performance.now();
    const mixed = blend(start, end);
    add('50/50 blend', mixed, truth, performance.now() - t0);
    if (withMinterpolate) {
      t0 = performance.now();
      const mi = await minterpolateMiddle(triplet.start, triplet.end);
      add('minterpolate mci scd=none', mi, truth, performance.now() - t0);
    }
    if (process.env.VERBOSE) {
      process.stderr.write(
        `${set} ${triplet.name} ${start.width}x${start.height} ${psnr(ours, truth).toFixed(2)}\n`,
      );
    }
  }
  return scores;
}

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-minterpolate': { type: 'boolean' },
    // For iteration: every n-th triplet only. The recorded figures are on the full sets (every 1).
    every: { type: 'string', default: '1' },
  },
});
const every = Number(values.every);
const sets: Array<[string, () => Promise<Triplet[]>]> = [
  ['DAVIS', davisTriplets],
  ['UCF101', ucf101Triplets],
];
console.log(`Middle frame (t = 0.5) quality, ${machineLine()}\n`);
console.log('| set | method | PSNR dB | SSIM | IE | ms per frame |');
console.log('|---|---|---|---|---|---|');
for (const [set, load] of sets) {
  if (values.only && values.only.toLowerCase() !== set.toLowerCase()) continue;
  const triplets = (await load()).filter((_, i) => i % every === 0);
  const scores = await evaluate(set, triplets, !values['no-minterpolate']);
  for (const [method, s] of Object.entries(scores)) {
    console.log(
      `| ${set} (${triplets.length}) | ${method} | ${mean(s.psnr).toFixed(2)} | ${mean(s.ssim).toFixed(4)} | ${mean(s.ie).toFixed(2)} | ${mean(s.ms).toFixed(0)} |`,
    );
  }
}
