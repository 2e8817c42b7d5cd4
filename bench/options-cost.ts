/**
 * What the finishing options cost: a 5 s 720p render of pairs/tunnel with every option on (watermark, music,
 * recommended prompt, AIGC label) beside the same render without them, interleaved, five of each; wall and CPU
 * time (user + system of every thread and of ffmpeg), medians, because this machine is shared and noisy.
 * Usage: npm run build && npx tsx bench/options-cost.ts
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EVAL_DIR, machineLine } from './eval-io.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const START = join(EVAL_DIR, 'pairs', 'tunnel', 'frame1.png');
const END = join(EVAL_DIR, 'pairs', 'tunnel', 'frame2.png');
const ALL = ['--watermark', '--bgm', '--is-rec', '--meta-data', '{"Label":"1","ContentProducer":"bench"}'];
const RUNS = 5;

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(args: string[]): Promise<Timing> {
  const { stderr } = await run('/usr/bin/time', [
    ...['-f', 'TIME %e %U %S', process.execPath, CLI, 'render', START, END],
    ...['--duration', '5', '--resolution', '720p', '--seed', '1', ...args],
  ]);
  const [wall, user, system] = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr)!.slice(1).map(Number);
  return { wall, cpu: user + system };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function row(name: string, runs: Timing[]): string {
  const wall = median(runs.map((r) => r.wall)).toFixed(2);
  const cpu = median(runs.map((r) => r.cpu)).toFixed(2);
  return `| ${name} | ${wall} | ${cpu} | ${runs.map((r) => r.wall.toFixed(2)).join(', ')} |`;
}

const dir = await mkdtemp(join(tmpdir(), 'inbetween-options-'));
try {
  const plain: Timing[] = [];
  const all: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timed(['-o', join(dir, 'plain.mp4')]));
    all.push(await timed(['-o', join(dir, 'all.mp4'), ...ALL]));
  }
  const more = (pick: (t: Timing) => number): string =>
    ((median(all.map(pick)) / median(plain.map(pick)) - 1) * 100).toFixed(1);
  console.log(`Finishing options, 5 s 720p, pairs/tunnel, ${machineLine()}\n`);
  console.log(`| render | wall s, median of ${RUNS} | CPU s, median of ${RUNS} | wall s, each run |`);
  console.log('|---|---|---|---|');
  console.log(row('plain', plain));
  console.log(row('watermark + bgm + is_rec + meta_data', all));
  console.log(`\nall options / plain: wall +${more((t) => t.wall)}%, CPU +${more((t) => t.cpu)}%`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
