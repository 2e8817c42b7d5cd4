/**
 * What one dense flow costs, in one thread: the tunnel pair (or --start/--end) in luma at the working size the
 * renderer measures flow at (480 px), from the pair's global motion as a render starts it, computed --repeat
 * times (the first, cold, reported apart), with a checksum of the field (a change meant to keep the flow
 * bit-exact shows the same sum).
 *
 * `--against DIR` loads the flow from another checkout (e.g. a worktree of main) and alternates the two round by
 * round, so both see the same machine: on a shared machine only such paired figures mean anything.
 * Usage: npx tsx bench/flow-cost.ts [--repeat 8] [--rounds 3] [--against ../base]
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { FlowOptions } from '../src/engine/flow/index.js';
import { estimateGlobalMotion } from '../src/engine/motion/index.js';
import { lumaOf, resizePlane, workingSize } from '../src/engine/raster/planes.js';
import type { FlowField, Plane } from '../src/engine/raster/types.js';
import { DEFAULT_FLOW_MAX_SIDE } from '../src/engine/render/analyse-pair.js';
import { EVAL_DIR, machineLine, readRgb } from './eval-io.js';

const { values } = parseArgs({
  options: {
    start: { type: 'string', default: join(EVAL_DIR, 'pairs', 'tunnel', 'frame1.png') },
    end: { type: 'string', default: join(EVAL_DIR, 'pairs', 'tunnel', 'frame2.png') },
    repeat: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    against: { type: 'string' },
  },
});

type ComputeFlow = (from: Plane, to: Plane, options?: FlowOptions) => FlowField;

async function flowAt(root: string): Promise<ComputeFlow> {
  const module = (await import(join(root, 'src', 'engine', 'flow', 'compute-flow.ts'))) as {
    computeFlow: ComputeFlow;
  };
  return module.computeFlow;
}

const repeat = Number(values.repeat);
const rounds = Number(values.rounds);
if (!(Number.isInteger(repeat) && repeat >= 2 && Number.isInteger(rounds) && rounds >= 1)) {
  // The first flow of round 0 is the cold one, reported apart: a warm figure needs at least one more.
  throw new RangeError(
    `Expected --repeat >= 2 and --rounds >= 1 but received ${values.repeat} and ${values.rounds}`,
  );
}
const [start, end] = await Promise.all([readRgb(values.start), readRgb(values.end)]);
const size = workingSize(start.width, start.height, DEFAULT_FLOW_MAX_SIDE, 8);
const from = resizePlane(lumaOf(start), size.width, size.height);
const to = resizePlane(lumaOf(end), size.width, size.height);
const homography = estimateGlobalMotion(from, to)?.homography;
const options: FlowOptions = homography ? { initialHomography: homography } : {};
const engines: Array<[string, ComputeFlow]> = [['this', await flowAt(join(import.meta.dirname, '..'))]];
if (values.against) engines.push([values.against, await flowAt(resolve(values.against))]);
console.log(
  `${machineLine()}; flow ${size.width}x${size.height}, global motion ${homography ? 'yes' : 'none'}`,
);

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
const medians = new Map<string, number[]>(engines.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, computeFlow] of engines) {
    const times: number[] = [];
    let sum = 0;
    for (let i = 0; i < repeat; i++) {
      const began = performance.now();
      const flow = computeFlow(from, to, options);
      times.push(performance.now() - began);
      if (i === 0) for (const value of flow.data) sum += value;
    }
    // The first flow of a process runs cold (interpreted, then compiled): what a render's worker pays once.
    const cold = round === 0 ? ` (cold first ${times[0].toFixed(0)} ms)` : '';
    const warm = round === 0 ? times.slice(1) : times;
    medians.get(name)!.push(median(warm));
    console.log(
      `${name}: min ${Math.min(...warm).toFixed(0)} / median ${median(warm).toFixed(0)} ms a flow${cold}, sum ${sum.toFixed(3)}`,
    );
  }
}
if (engines.length === 2) {
  const [ours, base] = engines.map(([name]) => median(medians.get(name)!));
  console.log(
    `median of the rounds' medians: this ${ours.toFixed(0)} ms, ${engines[1][0]} ${base.toFixed(0)} ms: ${(base / ours).toFixed(2)}x`,
  );
}
