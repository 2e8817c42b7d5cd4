/**
 * Tuning aid for the synthesis stage: measures each keyframe pair's motion once, then scores variants of the
 * splatting parameters on the DAVIS middle frames. Usage: npx tsx bench/tune-synth.ts
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analysePair, type PairAnalysis } from '../src/engine/render/analyse-pair.js';
import { intermediateFields } from '../src/engine/synth/intermediate-fields.js';
import { DEFAULT_SPLAT_TUNING, type SplatTuning } from '../src/engine/synth/splat-tuning.js';
import { renderFrame } from '../src/engine/synth/render-frame.js';
import type { RgbImage } from '../src/engine/raster/types.js';
import { EVAL_DIR, mean, psnr, readRgb } from './eval-io.js';

const set = process.env.SET ?? 'davis';
const root = join(EVAL_DIR, 'triplets', set);
const clips = (await readdir(set === 'davis' ? join(root, 'input') : root)).sort();
const cases: Array<{ start: RgbImage; end: RgbImage; truth: RgbImage; analysis: PairAnalysis }> = [];
for (const clip of clips) {
  const paths =
    set === 'davis'
      ? [
          join(root, 'input', clip, 'frame10.png'),
          join(root, 'input', clip, 'frame11.png'),
          join(root, 'gt', clip, 'frame10i11.png'),
        ]
      : [join(root, clip, 'frame0.png'), join(root, clip, 'frame2.png'), join(root, clip, 'frame1.png')];
  const [start, end, truth] = await Promise.all(paths.map((path) => readRgb(path)));
  const analysis = await analysePair(start, end, {
    maxSide: Number(process.env.MAX_SIDE ?? 960),
    flowOptions: JSON.parse(process.env.FLOW ?? '{}') as object,
  });
  cases.push({ start, end, truth, analysis });
}

const variants = JSON.parse(process.env.VARIANTS ?? '[["default",{}]]') as Array<
  [string, Partial<SplatTuning>]
>;
for (const [name, change] of variants) {
  const tuning = { ...DEFAULT_SPLAT_TUNING, ...change };
  let fieldMs = 0;
  const scores = cases.map(({ start, end, truth, analysis }) => {
    const began = performance.now();
    const fields = intermediateFields(analysis.motion, 0.5, tuning);
    fieldMs += performance.now() - began;
    const data = renderFrame({ start, end, fields, camera: null });
    return psnr({ width: start.width, height: start.height, data }, truth);
  });
  console.log(
    `${name.padEnd(28)} ${mean(scores).toFixed(3)}  fields ${(fieldMs / cases.length).toFixed(1)} ms`,
  );
}

if (process.env.SLOMO) {
  const { FIELD_CHANNELS } = await import('../src/engine/synth/intermediate-fields.js');
  const per: Array<[number, number, number]> = [];
  for (const { start, end, truth, analysis } of cases) {
    const { forward, backward } = analysis.motion;
    const n = forward.width * forward.height;
    const data = new Float32Array(n * FIELD_CHANNELS);
    const t = 0.5;
    for (let i = 0; i < n; i++) {
      const [a, b, c, d] = [
        forward.data[2 * i],
        forward.data[2 * i + 1],
        backward.data[2 * i],
        backward.data[2 * i + 1],
      ];
      data.set(
        [
          -(1 - t) * t * a + t * t * c,
          -(1 - t) * t * b + t * t * d,
          (1 - t) ** 2 * a - t * (1 - t) * c,
          (1 - t) ** 2 * b - t * (1 - t) * d,
          1 - t,
          t,
        ],
        i * 6,
      );
    }
    const slomo = renderFrame({
      start,
      end,
      fields: { width: forward.width, height: forward.height, data },
      camera: null,
    });
    const splat = renderFrame({ start, end, fields: intermediateFields(analysis.motion, 0.5), camera: null });
    const avg = new Uint8Array(slomo.length);
    for (let i = 0; i < avg.length; i++) avg[i] = (slomo[i] + splat[i] + 1) >> 1;
    const img = (x: Uint8Array): RgbImage => ({ width: start.width, height: start.height, data: x });
    per.push([psnr(img(slomo), truth), psnr(img(splat), truth), psnr(img(avg), truth)]);
  }
  per.forEach((p, i) => console.log(clips[i].padEnd(16), p.map((v) => v.toFixed(2)).join(' ')));
  console.log('mean slomo/splat/avg', [0, 1, 2].map((k) => mean(per.map((p) => p[k])).toFixed(3)).join(' '));
}

if (process.env.ORACLE) {
  const rows: number[][] = [];
  for (const { start, end, truth, analysis } of cases) {
    const fields = intermediateFields(analysis.motion, 0.5, { ...DEFAULT_SPLAT_TUNING, holeWeight: 0.2 });
    const only = (which: 0 | 1): Uint8Array => {
      const data = fields.data.slice();
      for (let i = 0; i < data.length; i += 6) {
        data[i + 4] = which === 0 ? 1 : 0;
        data[i + 5] = which === 1 ? 1 : 0;
      }
      return renderFrame({ start, end, fields: { ...fields, data }, camera: null });
    };
    const even = (): Uint8Array => {
      const data = fields.data.slice();
      for (let i = 0; i < data.length; i += 6) {
        data[i + 4] = 1;
        data[i + 5] = 1;
      }
      return renderFrame({ start, end, fields: { ...fields, data }, camera: null });
    };
    const a = only(0);
    const b = only(1);
    const ours = renderFrame({ start, end, fields, camera: null });
    const oracle = new Uint8Array(a.length);
    for (let p = 0; p < a.length; p += 3) {
      let ea = 0;
      let eb = 0;
      for (let c = 0; c < 3; c++) {
        ea += Math.abs(a[p + c] - truth.data[p + c]);
        eb += Math.abs(b[p + c] - truth.data[p + c]);
      }
      const src = ea <= eb ? a : b;
      oracle.set(src.subarray(p, p + 3), p);
    }
    const img = (x: Uint8Array): RgbImage => ({ width: start.width, height: start.height, data: x });
    rows.push([
      psnr(img(a), truth),
      psnr(img(b), truth),
      psnr(img(even()), truth),
      psnr(img(ours), truth),
      psnr(img(oracle), truth),
    ]);
    console.log(
      clips[rows.length - 1].padEnd(18),
      `${start.width}x${start.height}`,
      rows[rows.length - 1].map((v) => v.toFixed(2)).join(' '),
    );
  }
  console.log(
    'from0 from1 even ours oracle',
    [0, 1, 2, 3, 4].map((k) => mean(rows.map((r) => r[k])).toFixed(3)).join(' '),
  );
}
