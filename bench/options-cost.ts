/**
 * What the finishing options cost: a 5 s 720p render of pairs/tunnel with every option on (watermark, music,
 * recommended prompt, AIGC label) beside the same render without them, interleaved, median of three each.
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

async function seconds(args: string[]): Promise<number> {
  const t0 = performance.now();
  await run(process.execPath, [
    CLI,
    'render',
    START,
    END,
    '--duration',
    '5',
    '--resolution',
    '720p',
    '--seed',
    '1',
    ...args,
  ]);
  return (performance.now() - t0) / 1000;
}

const dir = await mkdtemp(join(tmpdir(), 'inbetween-options-'));
try {
  const plain: number[] = [];
  const all: number[] = [];
  for (let i = 0; i < 3; i++) {
    plain.push(await seconds(['-o', join(dir, 'plain.mp4')]));
    all.push(await seconds(['-o', join(dir, 'all.mp4'), ...ALL]));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[1];
  console.log(`Finishing options, 5 s 720p, pairs/tunnel, ${machineLine()}\n`);
  console.log('| render | median of 3 s | runs s |');
  console.log('|---|---|---|');
  console.log(`| plain | ${median(plain).toFixed(2)} | ${plain.map((s) => s.toFixed(2)).join(', ')} |`);
  console.log(
    `| watermark + bgm + is_rec + meta_data | ${median(all).toFixed(2)} | ${all.map((s) => s.toFixed(2)).join(', ')} |`,
  );
  console.log(`\nall options / plain: ${((median(all) / median(plain) - 1) * 100).toFixed(1)}% slower`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
