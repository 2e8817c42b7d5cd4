/**
 * Tuning aid for the motion regularisation: measures each pair's raw motion once, then scores variants of
 * src/engine/render/regularise-motion.ts on DAVIS middle frames (PSNR, every STEP-th triplet) and on the warp
 * distortion of the tunnel pair and clips/street at g = 32 and 64.
 * Usage: VARIANTS='[["name",{...}]]' npx tsx bench/tune-motion.ts
 */
import { analysePair, type PairAnalysis } from '../src/engine/render/analyse-pair.js';
import {
  DEFAULT_MOTION_REGULARISATION,
  regulariseMotion,
  type MotionRegularisation,
} from '../src/engine/render/regularise-motion.js';
import type { RgbImage } from '../src/engine/raster/types.js';
import {
  intermediateFields as fieldsWith,
  type PairMotion,
} from '../src/engine/synth/intermediate-fields.js';
import { DEFAULT_SPLAT_TUNING, type SplatTuning } from '../src/engine/synth/splat-tuning.js';
import { renderFrame } from '../src/engine/synth/render-frame.js';
import { warpDistortion } from '../src/engine/synth/warp-distortion.js';
import { mean, psnr, readRgb } from './eval-io.js';
import { davisTriplets, keyframePairs, streetGap } from './eval-pairs.js';

const step = Number(process.env.STEP ?? 2);
const tuning: SplatTuning = {
  ...DEFAULT_SPLAT_TUNING,
  ...(JSON.parse(process.env.TUNING ?? '{}') as object),
};
const intermediateFields = (motion: PairMotion, t: number) => fieldsWith(motion, t, tuning);
interface Case {
  start: RgbImage;
  end: RgbImage;
  truth?: RgbImage;
  analysis: PairAnalysis;
}
const load = async (paths: string[]): Promise<Case> => {
  const [start, end, truth] = await Promise.all(paths.map((p) => readRgb(p)));
  return { start, end, truth, analysis: await analysePair(start, end, { regularisation: null }) };
};
const davis = await Promise.all(
  (await davisTriplets()).filter((_, i) => i % step === 0).map((t) => load([t.start, t.end, t.truth])),
);
const judged = await Promise.all(
  [keyframePairs()[0], streetGap(32), streetGap(64)].map((p) =>
    load('truth' in p ? [p.start, p.end, p.truth as string] : [p.start, p.end]),
  ),
);

const distortion = (motion: PairMotion): string => {
  const rows = [0.25, 0.5, 0.75].map((t) =>
    warpDistortion(intermediateFields(motion, t), motion.startLuma!, motion.endLuma!),
  );
  return `${(100 * mean(rows.map((r) => r.distortedShare))).toFixed(2)}% ghost ${mean(rows.map((r) => r.ghosting)).toFixed(2)}`;
};
const middle = (c: Case, motion: PairMotion): number =>
  psnr(
    {
      width: c.start.width,
      height: c.start.height,
      data: renderFrame({
        start: c.start,
        end: c.end,
        fields: intermediateFields(motion, 0.5),
        camera: null,
      }),
    },
    c.truth!,
  );

const variants = JSON.parse(process.env.VARIANTS ?? '[["off",null],["default",{}]]') as Array<
  [string, Partial<MotionRegularisation> | null]
>;
for (const [name, change] of variants) {
  const apply = (m: PairMotion): PairMotion =>
    change === null ? m : regulariseMotion(m, { ...DEFAULT_MOTION_REGULARISATION, ...change });
  const scores = davis.map((c) => middle(c, apply(c.analysis.motion)));
  const parts = judged.map((c) => {
    const m = apply(c.analysis.motion);
    return `${distortion(m)}${c.truth ? ` psnr ${middle(c, m).toFixed(2)}` : ''}`;
  });
  console.log(
    `${name.padEnd(22)} DAVIS ${mean(scores).toFixed(3)} | tunnel ${parts[0]} | g32 ${parts[1]} | g64 ${parts[2]}`,
  );
}
