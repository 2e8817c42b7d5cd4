/**
 * Middle-frame quality on the DAVIS and UCF101 triplets: PSNR and IE against the true middle frame, for
 * inbetween, a 50/50 blend and ffmpeg minterpolate (mi_mode=mci:scd=none), all made in this run.
 * Usage: npm run bench:quality [-- --only davis|ucf101]
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { interpolateFrames } from '../src/engine/render/interpolate-frames.js';
import {
  blend,
  EVAL_DIR,
  interpolationError,
  machineLine,
  mean,
  minterpolateMiddle,
  psnr,
  readRgb,
} from './eval-io.js';

interface Triplet {
  readonly name: string;
  readonly start: string;
  readonly end: string;
  readonly truth: string;
}

async function davis(): Promise<Triplet[]> {
  const root = join(EVAL_DIR, 'triplets', 'davis');
  const clips = (await readdir(join(root, 'input'))).sort();
  return clips.map((clip) => ({
    name: clip,
    start: join(root, 'input', clip, 'frame10.png'),
    end: join(root, 'input', clip, 'frame11.png'),
    truth: join(root, 'gt', clip, 'frame10i11.png'),
  }));
}

async function ucf101(): Promise<Triplet[]> {
  const root = join(EVAL_DIR, 'triplets', 'ucf101');
  const items = (await readdir(root)).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  return items.map((n) => ({
    name: n,
    start: join(root, n, 'frame0.png'),
    end: join(root, n, 'frame2.png'),
    truth: join(root, n, 'frame1.png'),
  }));
}

interface Scores {
  psnr: number[];
  ie: number[];
  ms: number[];
}

async function evaluate(
  set: string,
  triplets: Triplet[],
  withMinterpolate: boolean,
): Promise<Record<string, Scores>> {
  const scores: Record<string, Scores> = {};
  const add = (method: string, p: number, e: number, ms: number): void => {
    scores[method] ??= { psnr: [], ie: [], ms: [] };
    scores[method].psnr.push(p);
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
    add('inbetween', psnr(ours, truth), interpolationError(ours, truth), performance.now() - t0);
    t0 = performance.now();
    const mixed = blend(start, end);
    add('50/50 blend', psnr(mixed, truth), interpolationError(mixed, truth), performance.now() - t0);
    if (withMinterpolate) {
      t0 = performance.now();
      const mi = await minterpolateMiddle(triplet.start, triplet.end);
      add(
        'minterpolate mci scd=none',
        psnr(mi, truth),
        interpolationError(mi, truth),
        performance.now() - t0,
      );
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
  options: { only: { type: 'string' }, 'no-minterpolate': { type: 'boolean' } },
});
const sets: Array<[string, () => Promise<Triplet[]>]> = [
  ['DAVIS', davis],
  ['UCF101', ucf101],
];
console.log(`Middle frame (t = 0.5) quality, ${machineLine()}\n`);
console.log('| set | method | PSNR dB | IE | ms per frame |');
console.log('|---|---|---|---|---|');
for (const [set, load] of sets) {
  if (values.only && values.only.toLowerCase() !== set.toLowerCase()) continue;
  const triplets = await load();
  const scores = await evaluate(set, triplets, !values['no-minterpolate']);
  for (const [method, s] of Object.entries(scores)) {
    console.log(
      `| ${set} (${triplets.length}) | ${method} | ${mean(s.psnr).toFixed(2)} | ${mean(s.ie).toFixed(2)} | ${mean(s.ms).toFixed(0)} |`,
    );
  }
}
