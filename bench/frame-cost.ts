/**
 * Where a frame's CPU goes, in one thread without workers or the encoder: the tunnel pair (or --start/--end)
 * fitted to --resolution as the CLI does, its motion measured once, then every frame of a --duration clip
 * drawn as the render workers draw it: CPU of the fields and of the drawing apart, then of whole frames, with
 * a hash of all frames (a change meant to keep the output bit-exact shows the same hash).
 *
 * `--against DIR` loads the same code from another checkout (e.g. a worktree of main) and alternates the two
 * clip by clip, so both see the same machine: on a shared machine only such paired figures mean anything.
 * Usage: npx tsx bench/frame-cost.ts [--resolution 720p] [--duration 5] [--repeat 3] [--against ../base]
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKeyframes, type Resolution } from '../src/engine/input/index.js';
import { analysePair } from '../src/engine/render/analyse-pair.js';
import type { Scene } from '../src/engine/render/scene.js';
import { sharedMotion } from '../src/engine/render/shared-copy.js';
import { fieldMotion } from '../src/engine/synth/field-motion.js';
import type { IntermediateFields, PairMotion } from '../src/engine/synth/intermediate-fields.js';
import type { RenderFrameOptions } from '../src/engine/synth/render-frame.js';
import { rgbToYuv420, type Yuv420Image } from '../src/engine/synth/yuv420.js';
import { EVAL_DIR, machineLine } from './eval-io.js';

const { values } = parseArgs({
  options: {
    start: { type: 'string', default: join(EVAL_DIR, 'pairs', 'tunnel', 'frame1.png') },
    end: { type: 'string', default: join(EVAL_DIR, 'pairs', 'tunnel', 'frame2.png') },
    resolution: { type: 'string', default: '720p' },
    duration: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
    against: { type: 'string' },
  },
});

interface Engine {
  readonly name: string;
  readonly drawSceneFrame: (scene: Scene, t: number) => Uint8Array;
  readonly intermediateFields: (motion: PairMotion, t: number) => IntermediateFields;
  readonly renderFrameYuv: (options: RenderFrameOptions<Yuv420Image>) => Uint8Array;
}

async function engineAt(name: string, root: string): Promise<Engine> {
  const src = (path: string): string => join(root, 'src', 'engine', path);
  const scene = (await import(src('render/scene.ts'))) as Pick<Engine, 'drawSceneFrame'>;
  const fields = (await import(src('synth/intermediate-fields.ts'))) as Pick<Engine, 'intermediateFields'>;
  const yuv = (await import(src('synth/render-frame-yuv.ts'))) as Pick<Engine, 'renderFrameYuv'>;
  return {
    name,
    drawSceneFrame: scene.drawSceneFrame,
    intermediateFields: fields.intermediateFields,
    renderFrameYuv: yuv.renderFrameYuv,
  };
}

const frames = Number(values.duration) * 24;
const { start, end } = await loadKeyframes({
  start: values.start,
  end: values.end,
  resolution: values.resolution as Resolution,
});
if (!end) throw new Error('Expected two keyframes');
const { motion } = await analysePair(start, end);
const scene: Scene = {
  format: 'yuv420p',
  start: rgbToYuv420(start, true),
  end: rgbToYuv420(end, true),
  motion: sharedMotion(fieldMotion(motion)),
  camera: { move: 'static', strength: 0, bounded: true, source: 'auto' },
};
const engines = [await engineAt('this', join(import.meta.dirname, '..'))];
if (values.against) engines.push(await engineAt(values.against, resolve(values.against)));
console.log(`${machineLine()}; ${start.width}x${start.height}, ${frames} frames`);

/** CPU milliseconds since `since` (process.cpuUsage), user + system. */
function cpuSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function measure(engine: Engine): { fields: number; draw: number; whole: number; hash: string } {
  // The two halves of a frame apart (fields, then drawing from them), then whole frames as a worker draws them.
  let fields = 0;
  let draw = 0;
  for (let i = 0; i < frames; i++) {
    const t = i / (frames - 1);
    let since = process.cpuUsage();
    const f = engine.intermediateFields(scene.motion!, t);
    fields += cpuSince(since);
    since = process.cpuUsage();
    engine.renderFrameYuv({
      start: scene.start,
      end: scene.end,
      fields: f,
      camera: null,
    });
    draw += cpuSince(since);
  }
  const hash = createHash('sha256');
  const since = process.cpuUsage();
  for (let i = 0; i < frames; i++) hash.update(engine.drawSceneFrame(scene, i / (frames - 1)));
  const whole = cpuSince(since);
  return {
    fields: fields / frames,
    draw: draw / frames,
    whole: whole / frames,
    hash: hash.digest('hex').slice(0, 16),
  };
}

const wholes = new Map<string, number[]>(engines.map((e) => [e.name, []]));
for (let r = 0; r < Number(values.repeat); r++) {
  for (const engine of engines) {
    const m = measure(engine);
    wholes.get(engine.name)!.push(m.whole);
    console.log(
      `${engine.name}: fields ${m.fields.toFixed(1)} + draw ${m.draw.toFixed(1)} ms/frame CPU; whole frames ${m.whole.toFixed(1)} ms, sha256 ${m.hash}`,
    );
  }
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
if (engines.length === 2) {
  const [ours, base] = engines.map((e) => median(wholes.get(e.name)!));
  console.log(
    `median whole frame: this ${ours.toFixed(1)} ms, ${engines[1].name} ${base.toFixed(1)} ms: ${(base / ours).toFixed(2)}x`,
  );
}
