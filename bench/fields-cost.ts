/**
 * What the per-frame fields cost: intermediateFields for every frame of a 5 s clip (t = i / 120) on the motion
 * the renderer measures for pairs/tunnel at 720p, in this thread. With `--against /path/to/checkout` the same
 * clip is timed with that checkout's src/engine/synth/intermediate-fields.ts too (loaded through tsx), the two
 * alternating round by round (and which goes first alternating too), so machine noise falls on both; then every
 * frame of both is compared, on the pair's motion and on variants that take the other code paths (the agreement
 * test of a not fully regularised pair, holes not filled), and where fields differ the rendered frames as well.
 * Usage: npx tsx bench/fields-cost.ts [--against /work/main] [--rounds 7]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { analysePair } from '../src/engine/render/analyse-pair.js';
import type { RgbImage } from '../src/engine/raster/types.js';
import * as own from '../src/engine/synth/intermediate-fields.js';
import type { IntermediateFields, PairMotion } from '../src/engine/synth/intermediate-fields.js';
import { withSplatPriorities } from '../src/engine/synth/splat-priority.js';
import { DEFAULT_SPLAT_TUNING, type SplatTuning } from '../src/engine/synth/splat-tuning.js';
import { renderFrame } from '../src/engine/synth/render-frame.js';
import { EVAL_DIR, machineLine, readRgb } from './eval-io.js';

// Both checkouts are timed with this checkout's tuning, so that only their code differs.
type FieldsModule = Pick<typeof own, 'intermediateFields'>;

const FRAMES = 120;
const { values } = parseArgs({
  options: { against: { type: 'string' }, rounds: { type: 'string', default: '7' } },
});
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  throw new RangeError(`Expected a positive integer for --rounds but received ${values.rounds}`);
}

const times = Array.from({ length: FRAMES - 1 }, (_, i) => (i + 1) / FRAMES);
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function emptyFields(motion: PairMotion): IntermediateFields {
  const { width, height } = motion.forward;
  return { width, height, data: new Float32Array(width * height * own.FIELD_CHANNELS) };
}

/** ms per frame of one whole clip, drawn into one reused buffer as the renderer does. */
function clipMs(
  module: FieldsModule,
  motion: PairMotion,
  into: IntermediateFields,
  fillHoles: boolean,
): number {
  const tuning = { ...DEFAULT_SPLAT_TUNING, fillHoles };
  const began = performance.now();
  for (const t of times) module.intermediateFields(motion, t, tuning, into);
  return (performance.now() - began) / times.length;
}

interface Difference {
  maxAbs: number;
  /** Values whose bits differ (a -0 for a 0 counts; a NaN in both does not). */
  differing: number;
  framesDiffering: number;
  maxFrameAbs: number;
}

function compare(
  a: FieldsModule,
  b: FieldsModule,
  motion: PairMotion,
  tuning: SplatTuning,
  start: RgbImage,
  end: RgbImage,
): Difference {
  const fa = emptyFields(motion);
  const fb = emptyFields(motion);
  const bitsA = new Uint32Array(fa.data.buffer);
  const bitsB = new Uint32Array(fb.data.buffer);
  const result: Difference = { maxAbs: 0, differing: 0, framesDiffering: 0, maxFrameAbs: 0 };
  for (const t of times) {
    a.intermediateFields(motion, t, tuning, fa);
    b.intermediateFields(motion, t, tuning, fb);
    let differing = 0;
    for (let i = 0; i < bitsA.length; i++) {
      if (bitsA[i] === bitsB[i]) continue;
      differing++;
      result.maxAbs = Math.max(result.maxAbs, Math.abs(fa.data[i] - fb.data[i]));
    }
    result.differing += differing;
    if (differing === 0) continue;
    result.framesDiffering++;
    const ra = renderFrame({ start, end, fields: fa, camera: null });
    const rb = renderFrame({ start, end, fields: fb, camera: null });
    for (let i = 0; i < ra.length; i++)
      result.maxFrameAbs = Math.max(result.maxFrameAbs, Math.abs(ra[i] - rb[i]));
  }
  return result;
}

const pair = join(EVAL_DIR, 'pairs', 'tunnel');
const [start, end] = await Promise.all([
  readRgb(join(pair, 'frame1.png')),
  readRgb(join(pair, 'frame2.png')),
]);
// With its priorities, as a render hands the fields (once per clip, not part of a frame's cost).
const motion = withSplatPriorities((await analysePair(start, end)).motion);
const against: FieldsModule | null = values.against
  ? ((await import(
      pathToFileURL(join(values.against, 'src', 'engine', 'synth', 'intermediate-fields.ts')).href
    )) as FieldsModule)
  : null;
const { width, height } = motion.forward;
console.log(`Fields per frame, pairs/tunnel ${start.width}x${start.height}, fields ${width}x${height}`);
console.log(
  `${machineLine()}, load average before ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`regularised ${motion.regularised ?? 0}, ${times.length} frames a clip, ${ROUNDS} rounds`);

const buffer = emptyFields(motion);
const modules: [string, FieldsModule][] = [['this checkout', own]];
if (against) modules.push([`--against ${values.against}`, against]);
// The hole fill is flow/regularise-flow.ts's work, the same code for both: timed with it (as rendered) and
// without it, which leaves the splatting and combining this module does itself.
for (const fillHoles of [true, false]) {
  // One clip each before timing, so both are compiled by the optimising tier when the timing starts.
  for (const [, module] of modules) clipMs(module, motion, buffer, fillHoles);
  const runs = modules.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? modules.map((_, k) => k) : modules.map((_, k) => k).reverse();
    for (const k of order) runs[k].push(clipMs(modules[k][1], motion, buffer, fillHoles));
  }
  console.log(`\n${fillHoles ? 'as rendered (holes filled)' : 'holes not filled'}\n`);
  console.log(`| fields module | ms/frame, median of ${ROUNDS} | each round |`);
  console.log('|---|---|---|');
  modules.forEach(([name], k) => {
    const each = runs[k].map((v) => v.toFixed(2)).join(', ');
    console.log(`| ${name} | ${median(runs[k]).toFixed(2)} | ${each} |`);
  });
  if (against) console.log(`\nthis / against: ${(median(runs[0]) / median(runs[1])).toFixed(3)}`);
}
if (against) {
  const base = DEFAULT_SPLAT_TUNING;
  const cases: [string, PairMotion, SplatTuning][] = [
    ['pair as measured', motion, base],
    ['agreement test on (regularised 0)', { ...motion, regularised: 0 }, base],
    ['holes not filled, agreement on', { ...motion, regularised: 0 }, { ...base, fillHoles: false }],
    ['holes not filled, agreement off', motion, { ...base, fillHoles: false }],
  ];
  console.log(
    '\n| case | values differing (bits) | max abs field difference | frames differing | max abs pixel difference |',
  );
  console.log('|---|---|---|---|---|');
  for (const [name, m, tuning] of cases) {
    const d = compare(own, against, m, tuning, start, end);
    console.log(`| ${name} | ${d.differing} | ${d.maxAbs} | ${d.framesDiffering} | ${d.maxFrameAbs} |`);
  }
}
console.log(
  `\nload average after ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
