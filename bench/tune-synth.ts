/**
 * Tuning aid for the synthesis stage: measures each keyframe pair's motion once, then scores variants of the
 * splatting parameters on the DAVIS middle frames. Usage: npx tsx bench/tune-synth.ts
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analysePair, type PairAnalysis } from '../src/engine/render/analyse-pair.js';
import {
  DEFAULT_SPLAT_TUNING,
  intermediateFields,
  type SplatTuning,
} from '../src/engine/synth/intermediate-fields.js';
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

if (process.env.IMGMIX) {
  const { selectByAgreement } = await import('../src/engine/synth/agreement-select.js');
  for (const sigma of [2, 4, 8, 16, 1000]) {
    const scores: number[] = [];
    for (const { start, end, truth, analysis } of cases) {
      const m = analysis.motion;
      const tune = { ...DEFAULT_SPLAT_TUNING, holeWeight: 0.2 };
      const splatFields = intermediateFields(m, 0.5, { ...tune, agreementSigma: 0 });
      const n = splatFields.width * splatFields.height;
      const lin = splatFields.data.slice();
      for (let i = 0; i < n; i++) {
        const [a, b, c, d] = [
          m.forward.data[2 * i],
          m.forward.data[2 * i + 1],
          m.backward.data[2 * i],
          m.backward.data[2 * i + 1],
        ];
        lin.set(
          [-0.25 * a + 0.25 * c, -0.25 * b + 0.25 * d, 0.25 * a - 0.25 * c, 0.25 * b - 0.25 * d],
          i * 6,
        );
      }
      // agreement errors per hypothesis via selectByAgreement on one-hot candidates: reuse its box-mean error by probing
      const candS = new Float32Array(n * 4);
      const candL = new Float32Array(n * 4);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 4; c++) {
          candS[i * 4 + c] = splatFields.data[i * 6 + c];
          candL[i * 4 + c] = lin[i * 6 + c];
        }
      }
      // weight of splat = fraction obtained by selecting between marker candidates
      const markS = new Float32Array(n * 4).fill(1);
      const markL = new Float32Array(n * 4).fill(0);
      void markS;
      void markL;
      const mix = selectByAgreement([candS, candL], m.startLuma!, m.endLuma!, { radius: 2, sigma });
      // recover weight from the x component where candidates differ
      const wS = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0.5;
        for (let c = 0; c < 4; c++) {
          const diff = candS[i * 4 + c] - candL[i * 4 + c];
          if (Math.abs(diff) > 0.05) {
            best = (mix[i * 4 + c] - candL[i * 4 + c]) / diff;
            break;
          }
        }
        wS[i] = Math.max(0, Math.min(1, best));
      }
      const imgS = renderFrame({ start, end, fields: splatFields, camera: null });
      const imgL = renderFrame({ start, end, fields: { ...splatFields, data: lin }, camera: null });
      const out = new Uint8Array(imgS.length);
      const sx = splatFields.width / start.width;
      const sy = splatFields.height / start.height;
      for (let y = 0; y < start.height; y++) {
        for (let x = 0; x < start.width; x++) {
          const wi =
            Math.min(splatFields.height - 1, Math.floor(y * sy)) * splatFields.width +
            Math.min(splatFields.width - 1, Math.floor(x * sx));
          const w = wS[wi];
          const p = (y * start.width + x) * 3;
          for (let c = 0; c < 3; c++) out[p + c] = Math.round(w * imgS[p + c] + (1 - w) * imgL[p + c]);
        }
      }
      scores.push(psnr({ width: start.width, height: start.height, data: out }, truth));
    }
    console.log('imgmix sigma', sigma, mean(scores).toFixed(3));
  }
}
