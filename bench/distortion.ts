/**
 * Reference-free distortion of the warp itself (src/engine/synth/warp-distortion.ts), per keyframe pair: the
 * share of the visible picture drawn through a folded (det <= 0) or anisotropically stretched (> 3:1) warp,
 * and the ghosting (disagreement of the two warped keyframes where both carry weight, luma levels), each the
 * mean over t = 0.25, 0.5, 0.75. Pairs: the sample tunnel pair, every ../shared/eval pair, the DAVIS and
 * UCF101 triplets' keyframes (means over each set) and clips/street at gaps 16, 32 and 64.
 * Usage: npm run bench:distortion [-- --quick] (quick: every third DAVIS and UCF101 triplet)
 */
import { parseArgs } from 'node:util';
import { analysePair } from '../src/engine/render/analyse-pair.js';
import { fieldMotion } from '../src/engine/synth/field-motion.js';
import { intermediateFields } from '../src/engine/synth/intermediate-fields.js';
import { resampleFields } from '../src/engine/synth/resample-fields.js';
import { warpDistortion, type WarpDistortion } from '../src/engine/synth/warp-distortion.js';
import { machineLine, mean, readRgb } from './eval-io.js';
import { davisTriplets, keyframePairs, streetGap, ucf101Triplets, type EvalPair } from './eval-pairs.js';

const TIMES = [0.25, 0.5, 0.75];

async function measure(pair: EvalPair): Promise<WarpDistortion & { cut: boolean }> {
  const [start, end] = await Promise.all([readRgb(pair.start), readRgb(pair.end)]);
  const { motion } = await analysePair(start, end);
  // The fields are computed on the drawing's grid and measured where they are drawn, at the working resolution.
  const drawn = fieldMotion(motion);
  const { width, height } = motion.forward;
  const rows = TIMES.map((t) =>
    warpDistortion(
      resampleFields(intermediateFields(drawn, t), width, height),
      motion.startLuma!,
      motion.endLuma!,
    ),
  );
  return {
    foldShare: mean(rows.map((r) => r.foldShare)),
    stretchShare: mean(rows.map((r) => r.stretchShare)),
    distortedShare: mean(rows.map((r) => r.distortedShare)),
    ghosting: mean(rows.map((r) => r.ghosting)),
    cut: motion.transition === 'dissolve',
  };
}

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const every = <T>(items: T[]): T[] => (values.quick ? items.filter((_, i) => i % 3 === 0) : items);
const percent = (v: number): string => `${(100 * v).toFixed(2)}%`;

console.log(`Warp distortion, mean over t = ${TIMES.join(', ')}, ${machineLine()}\n`);
console.log('| pair | fold | stretch > 3:1 | distorted | ghosting (luma levels) | cut (dissolve) |');
console.log('|---|---|---|---|---|---|');
const print = (name: string, rows: Array<WarpDistortion & { cut: boolean }>): void => {
  const cuts = rows.filter((r) => r.cut).length;
  console.log(
    `| ${name} | ${percent(mean(rows.map((r) => r.foldShare)))} | ${percent(mean(rows.map((r) => r.stretchShare)))} | ` +
      `${percent(mean(rows.map((r) => r.distortedShare)))} | ${mean(rows.map((r) => r.ghosting)).toFixed(2)} | ` +
      `${rows.length === 1 ? (cuts ? 'yes' : 'no') : `${cuts} of ${rows.length}`} |`,
  );
};
for (const pair of [...keyframePairs(), ...[16, 32, 64].map(streetGap)])
  print(pair.name, [await measure(pair)]);
for (const [name, load] of [
  ['DAVIS', davisTriplets],
  ['UCF101', ucf101Triplets],
] as const) {
  const triplets = every(await load());
  const rows = [];
  for (const triplet of triplets) rows.push(await measure(triplet));
  print(`${name} (${triplets.length}, mean)`, rows);
}
