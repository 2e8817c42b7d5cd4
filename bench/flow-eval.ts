/**
 * Flow quality and speed benchmark. For each triplet, flows frame0->frame1 and back at full size, a simple
 * middle frame (Super SloMo's t = 0.5 flow approximation, backward warps, blend weighted by forward-backward
 * confidence), PSNR over RGB against the true middle frame.
 *
 *   npx tsx bench/flow-eval.ts [--set davis|ucf101] [--limit N] [--speed] [--preset fast|medium]
 *                              [--patchSize N] [--patchStride N] [--iterations N] [--variationalIterations N]
 *                              [--finestLevel N] [--finestRefinePasses N] [--densifyErrorScale X]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import {
  computeFlow,
  flowConfidence,
  warpPlaneBackward,
  type FlowOptions,
} from '../src/engine/flow/index.js';
import { createFlow, createPlane, resizePlane } from '../src/engine/raster/planes.js';
import type { FlowField, Plane } from '../src/engine/raster/types.js';

const EPS = Number(process.env.EPS ?? 0.05);
const EVAL = '/work/shared/eval/triplets';

interface Rgb {
  width: number;
  height: number;
  channels: [Plane, Plane, Plane];
  luma: Plane;
}

async function readRgb(path: string): Promise<Rgb> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels: stride } = info;
  const planes: [Plane, Plane, Plane] = [
    createPlane(width, height),
    createPlane(width, height),
    createPlane(width, height),
  ];
  const luma = createPlane(width, height);
  for (let i = 0; i < width * height; i++) {
    const r = data[i * stride];
    const g = data[i * stride + (stride > 2 ? 1 : 0)];
    const b = data[i * stride + (stride > 2 ? 2 : 0)];
    planes[0].data[i] = r;
    planes[1].data[i] = g;
    planes[2].data[i] = b;
    luma.data[i] = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  return { width, height, channels: planes, luma };
}

function parseArgs(argv: string[]): { set: string; limit: number; speed: boolean; options: FlowOptions } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args.set(key, 'true');
    else args.set(key, argv[++i]);
  }
  const options: FlowOptions = {};
  const preset = args.get('preset');
  if (preset === 'fast' || preset === 'medium') options.preset = preset;
  for (const key of [
    'patchSize',
    'patchStride',
    'iterations',
    'variationalIterations',
    'finestLevel',
    'finestRefinePasses',
    'densifyErrorScale',
  ] as const) {
    const value = args.get(key);
    if (value !== undefined) options[key] = Number(value);
  }
  return {
    set: args.get('set') ?? 'davis',
    limit: Number(args.get('limit') ?? 1000),
    speed: args.has('speed'),
    options,
  };
}

/** F_t0 and F_t1 at t = 0.5 from Super SloMo: F_t0 = -t(1-t) F01 + t^2 F10, F_t1 = -F_t0 at the midpoint. */
function midFlows(f01: FlowField, f10: FlowField): [FlowField, FlowField] {
  const t0 = createFlow(f01.width, f01.height);
  const t1 = createFlow(f01.width, f01.height);
  for (let i = 0; i < f01.data.length; i++) {
    const value = -0.25 * f01.data[i] + 0.25 * f10.data[i];
    t0.data[i] = value;
    t1.data[i] = -value;
  }
  return [t0, t1];
}

function psnrOf(channels: Plane[], truth: Rgb): number {
  let sum = 0;
  let count = 0;
  for (let c = 0; c < 3; c++) {
    const a = channels[c].data;
    const b = truth.channels[c].data;
    for (let i = 0; i < a.length; i++) {
      const v = Math.min(255, Math.max(0, Math.round(a[i])));
      sum += (v - b[i]) * (v - b[i]);
      count++;
    }
  }
  return 10 * Math.log10((255 * 255) / (sum / count));
}

function synthesize(f0: Rgb, f1: Rgb, f01: FlowField, f10: FlowField, weighted: boolean): Plane[] {
  const [t0, t1] = midFlows(f01, f10);
  const c0 = warpPlaneBackward(flowConfidence(f01, f10), t0);
  const c1 = warpPlaneBackward(flowConfidence(f10, f01), t1);
  const out: Plane[] = [];
  for (let c = 0; c < 3; c++) {
    const a = warpPlaneBackward(f0.channels[c], t0).data;
    const b = warpPlaneBackward(f1.channels[c], t1).data;
    const plane = createPlane(f0.width, f0.height);
    for (let i = 0; i < a.length; i++) {
      const wa = weighted ? c0.data[i] + EPS : 1;
      const wb = weighted ? c1.data[i] + EPS : 1;
      plane.data[i] = (wa * a[i] + wb * b[i]) / (wa + wb);
    }
    out.push(plane);
  }
  return out;
}

function tripletPaths(set: string): { name: string; first: string; second: string; truth: string }[] {
  if (set === 'ucf101') {
    const root = join(EVAL, 'ucf101');
    return readdirSync(root)
      .sort()
      .map((name) => ({
        name,
        first: join(root, name, 'frame0.png'),
        second: join(root, name, 'frame2.png'),
        truth: join(root, name, 'frame1.png'),
      }));
  }
  const root = join(EVAL, 'davis');
  return readdirSync(join(root, 'input'))
    .sort()
    .map((name) => ({
      name,
      first: join(root, 'input', name, 'frame10.png'),
      second: join(root, 'input', name, 'frame11.png'),
      truth: join(root, 'gt', name, 'frame10i11.png'),
    }));
}

async function quality(set: string, limit: number, options: FlowOptions): Promise<void> {
  let psnrWeighted = 0;
  let psnrPlain = 0;
  let fieldMs = 0;
  let fields = 0;
  let count = 0;
  for (const triplet of tripletPaths(set).slice(0, limit)) {
    const [f0, f1, truth] = await Promise.all([
      readRgb(triplet.first),
      readRgb(triplet.second),
      readRgb(triplet.truth),
    ]);
    const start = performance.now();
    const f01 = computeFlow(f0.luma, f1.luma, options);
    const f10 = computeFlow(f1.luma, f0.luma, options);
    fieldMs += performance.now() - start;
    fields += 2;
    const weighted = psnrOf(synthesize(f0, f1, f01, f10, true), truth);
    const plain = psnrOf(synthesize(f0, f1, f01, f10, false), truth);
    psnrWeighted += weighted;
    psnrPlain += plain;
    count++;
    if (process.env.VERBOSE) {
      console.log(
        `${triplet.name.padEnd(20)} ${f0.width}x${f0.height} ${weighted.toFixed(2)} ${plain.toFixed(2)}`,
      );
    }
  }
  console.log(
    `${set}: ${count} triplets, PSNR confidence-weighted ${(psnrWeighted / count).toFixed(2)} dB, ` +
      `plain 50/50 ${(psnrPlain / count).toFixed(2)} dB, ${(fieldMs / fields).toFixed(1)} ms per field`,
  );
}

async function speed(options: FlowOptions): Promise<void> {
  const first = tripletPaths('davis')[0];
  const [f0, f1] = await Promise.all([readRgb(first.first), readRgb(first.second)]);
  for (const [w, h] of [
    [640, 360],
    [960, 540],
  ] as const) {
    const a = resizePlane(f0.luma, w, h);
    const b = resizePlane(f1.luma, w, h);
    computeFlow(a, b, options);
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const start = performance.now();
      computeFlow(a, b, options);
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    console.log(`${w}x${h}: median ${times[2].toFixed(1)} ms per field (min ${times[0].toFixed(1)})`);
  }
}

const { set, limit, speed: speedOnly, options } = parseArgs(process.argv.slice(2));
console.log(`options ${JSON.stringify(options)}`);
if (speedOnly) await speed(options);
else await quality(set, limit, options);
