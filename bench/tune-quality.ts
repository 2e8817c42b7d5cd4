/**
 * Tuning aid for the synthesis and the regularisation together, on every figure issue 14 judges: middle-frame
 * PSNR on DAVIS and UCF101 (every STEP-th triplet), clips/street at g = 16, 32, 64, the tunnel pair's warp
 * distortion and ghosting, the two synthetic ghost cases of src/engine/render/large-motion.test.ts, and an object
 * that ends half out of the frame. Each
 * pair's flow is measured once (FLOW: flow options as JSON, MAX_SIDE: its working resolution); each variant
 * then sets splat tuning and regularisation options. Usage:
 *   VARIANTS='[["name",{"tuning":{...},"regularisation":{...}}]]' npx tsx bench/tune-quality.ts
 */
import { meanAbsDiff, squareScene } from '../test/helpers/synthetic.js';
import type { FlowOptions } from '../src/engine/flow/index.js';
import type { RgbImage } from '../src/engine/raster/types.js';
import { analysePair, type PairAnalysis } from '../src/engine/render/analyse-pair.js';
import {
  DEFAULT_MOTION_REGULARISATION,
  regulariseMotion,
  type MotionRegularisation,
} from '../src/engine/render/regularise-motion.js';
import { intermediateFields, type PairMotion } from '../src/engine/synth/intermediate-fields.js';
import { splatPriority } from '../src/engine/synth/splat-priority.js';
import { DEFAULT_SPLAT_TUNING, type SplatTuning } from '../src/engine/synth/splat-tuning.js';
import { fieldMotion } from '../src/engine/synth/field-motion.js';
import { resampleFields } from '../src/engine/synth/resample-fields.js';
import { renderFrame } from '../src/engine/synth/render-frame.js';
import { warpDistortion } from '../src/engine/synth/warp-distortion.js';
import { mean, psnr, readRgb } from './eval-io.js';
import { davisTriplets, keyframePairs, streetGap, ucf101Triplets } from './eval-pairs.js';

interface Variant {
  tuning?: Partial<SplatTuning>;
  regularisation?: Partial<MotionRegularisation> | null;
}
interface Case {
  start: RgbImage;
  end: RgbImage;
  truth?: RgbImage;
  analysis: PairAnalysis;
}

const step = Number(process.env.STEP ?? 2);
const flowOptions = JSON.parse(process.env.FLOW ?? '{}') as FlowOptions;
const analyse = (start: RgbImage, end: RgbImage): Promise<PairAnalysis> =>
  analysePair(start, end, {
    regularisation: null,
    flowOptions,
    maxSide: Number(process.env.MAX_SIDE ?? 480),
  });
const load = async (paths: string[]): Promise<Case> => {
  const [start, end, truth] = await Promise.all(paths.map((p) => readRgb(p)));
  return { start, end, truth, analysis: await analyse(start, end) };
};
const every = <T>(items: T[]): T[] => items.filter((_, i) => i % step === 0);
const davis = await Promise.all(every(await davisTriplets()).map((t) => load([t.start, t.end, t.truth])));
const ucf = await Promise.all(every(await ucf101Triplets()).map((t) => load([t.start, t.end, t.truth])));
const street = await Promise.all(
  [16, 32, 64].map((g) => streetGap(g)).map((t) => load([t.start, t.end, t.truth])),
);
const tunnel = await load([keyframePairs()[0].start, keyframePairs()[0].end]);

// The synthetic cases of large-motion.test.ts: a textured square crossing, and one leaving the frame.
const W = 160;
const H = 96;
const scene = (left: number): RgbImage => squareScene(W, H, left);
const synthetic = async (from: number, to: number): Promise<Case> => {
  const [start, end, truth] = [scene(from), scene(to), scene((from + to) / 2)];
  return { start, end, truth, analysis: await analyse(start, end) };
};
const crossing = await synthetic(40, 72);
const leaving = await synthetic(124, 164);
// Half out at the end (x 116 -> 144 of 160): its visible half can be matched, the other half cannot.
const halfOut = await synthetic(116, 144);

/**
 * The variant's motion on the grid its fields are drawn on (priorities with the variant's tuning, computed on
 * that grid), and the working grid it came from, where the warp is measured.
 */
function run(c: Case, variant: Variant): { motion: PairMotion; working: PairMotion; tuning: SplatTuning } {
  const tuning = { ...DEFAULT_SPLAT_TUNING, ...variant.tuning };
  const raw = c.analysis.motion;
  const working =
    variant.regularisation === null
      ? raw
      : regulariseMotion(raw, { ...DEFAULT_MOTION_REGULARISATION, ...variant.regularisation });
  const drawn = fieldMotion(working);
  const motion = {
    ...drawn,
    forwardPriority: splatPriority(drawn, 'forward', tuning),
    backwardPriority: splatPriority(drawn, 'backward', tuning),
  };
  return { motion, working, tuning };
}
const middle = (c: Case, variant: Variant): RgbImage => {
  const { motion, tuning } = run(c, variant);
  const fields = intermediateFields(motion, 0.5, tuning);
  const data = renderFrame({ start: c.start, end: c.end, fields, camera: null });
  return { width: c.start.width, height: c.start.height, data };
};
const score = (cases: Case[], variant: Variant): string => {
  const each = cases.map((c) => psnr(middle(c, variant), c.truth!));
  if (process.env.VERBOSE) console.log(each.map((v) => v.toFixed(2)).join(' '));
  return mean(each).toFixed(3);
};
const distortion = (c: Case, variant: Variant): string => {
  const { motion, working, tuning } = run(c, variant);
  const { width, height } = working.forward;
  const rows = [0.25, 0.5, 0.75].map((t) =>
    warpDistortion(
      resampleFields(intermediateFields(motion, t, tuning), width, height),
      working.startLuma!,
      working.endLuma!,
    ),
  );
  const share = 100 * mean(rows.map((r) => r.distortedShare));
  return `${share.toFixed(2)}% ghost ${mean(rows.map((r) => r.ghosting)).toFixed(2)}`;
};
const box = (x0: number, x1: number) => ({ x0, y0: 34, x1, y1: 62 });

const variants = JSON.parse(process.env.VARIANTS ?? '[["default",{}]]') as Array<[string, Variant]>;
for (const [name, variant] of variants) {
  const cross = middle(crossing, variant);
  const leave = middle(leaving, variant);
  const half = middle(halfOut, variant);
  console.log(
    [
      name.padEnd(20),
      `DAVIS ${score(davis, variant)}`,
      `UCF ${score(ucf, variant)}`,
      `g16/32/64 ${street.map((c) => score([c], variant)).join(' ')}`,
      `tunnel ${distortion(tunnel, variant)}`,
      `g64 ${distortion(street[2], variant)}`,
      `cross was/will ${meanAbsDiff(cross, crossing.truth!, box(40, 56)).toFixed(1)}/${meanAbsDiff(cross, crossing.truth!, box(84, 100)).toFixed(1)}`,
      `leave was/obj ${meanAbsDiff(leave, leaving.truth!, box(124, 144)).toFixed(1)}/${meanAbsDiff(leave, leaving.truth!, box(144, 160)).toFixed(1)}`,
      `half out was/obj ${meanAbsDiff(half, halfOut.truth!, box(116, 130)).toFixed(1)}/${meanAbsDiff(half, halfOut.truth!, box(132, 156)).toFixed(1)}`,
    ].join(' | '),
  );
}
