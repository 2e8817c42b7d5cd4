/**
 * Speed and memory: 5 s at 720p from pairs/tunnel, and 8 s at 1080p, rendered by the built CLI in a child
 * process (wall time, and peak RSS from /usr/bin/time), beside ffmpeg minterpolate (mi_mode=mci:scd=none)
 * making the same number of frames from the same two keyframes and encoding them the same way, in this run.
 * Usage: npm run build && npm run bench:speed
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import sharp from 'sharp';
import { EVAL_DIR, FFMPEG, machineLine } from './eval-io.js';

const run = promisify(execFile);

/** Frames that actually decode, so a comparison that made fewer frames than asked cannot pass unnoticed. */
async function countFrames(path: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path],
  ]);
  return Number(stdout.trim());
}
const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const START = join(EVAL_DIR, 'pairs', 'tunnel', 'frame1.png');
const END = join(EVAL_DIR, 'pairs', 'tunnel', 'frame2.png');

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS in MiB. */
async function timed(command: string, args: string[]): Promise<{ seconds: number; rssMiB: number }> {
  const { stderr } = await run('/usr/bin/time', ['-f', 'TIME %e %M', command, ...args], {
    maxBuffer: 64 << 20,
  });
  const match = /TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!match) throw new Error(`no timing in: ${stderr.slice(-500)}`);
  return { seconds: Number(match[1]), rssMiB: Number(match[2]) / 1024 };
}

async function minterpolate(
  dir: string,
  width: number,
  height: number,
  seconds: number,
): Promise<{ seconds: number; rssMiB: number }> {
  // Same keyframes scaled to the output size; minterpolate only emits frames of an interval that has a frame
  // after it, so the end frame is given twice ([start, end, end], as ../shared/eval/README.md does) and the
  // output is cut at the clip's frame count.
  await Promise.all([
    sharp(START).resize(width, height).png({ compressionLevel: 1 }).toFile(join(dir, 'k1.png')),
    sharp(END).resize(width, height).png({ compressionLevel: 1 }).toFile(join(dir, 'k2.png')),
    sharp(END).resize(width, height).png({ compressionLevel: 1 }).toFile(join(dir, 'k3.png')),
  ]);
  return timed(FFMPEG, [
    '-v',
    'error',
    '-y',
    '-framerate',
    String(1 / seconds),
    '-i',
    join(dir, 'k%d.png'),
    '-vf',
    'minterpolate=fps=24:mi_mode=mci:scd=none',
    '-frames:v',
    String(seconds * 24),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '18',
    '-pix_fmt',
    'yuv420p',
    join(dir, 'mi.mp4'),
  ]);
}

const cases: Array<{ name: string; resolution: string; seconds: number; width: number; height: number }> = [
  { name: '5 s 720p', resolution: '720p', seconds: 5, width: 1280, height: 720 },
  { name: '8 s 1080p', resolution: '1080p', seconds: 8, width: 1920, height: 1080 },
];
// --only 720p|1080p and --runs N (default 3): the lead reruns the full table on a quiet machine.
const { values } = parseArgs({
  options: { only: { type: 'string' }, runs: { type: 'string', default: '3' } },
});
const RUNS = Number(values.runs);
const dir = await mkdtemp(join(tmpdir(), 'inbetween-speed-'));
try {
  console.log(`Render speed, pairs/tunnel, ${machineLine()}\n`);
  console.log(
    `| clip | frames | inbetween s, median of ${RUNS} (slowest) | inbetween peak RSS MiB | minterpolate s | minterpolate peak RSS MiB | speed-up |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const c of cases) {
    if (values.only && values.only !== c.resolution) continue;
    // This machine is shared and noisy: the median of --runs renders (the slowest is shown beside it).
    const runs: Array<{ seconds: number; rssMiB: number }> = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(
        await timed(process.execPath, [
          CLI,
          'render',
          START,
          END,
          '-o',
          join(dir, 'ours.mp4'),
          '--duration',
          String(c.seconds),
          '--resolution',
          c.resolution,
          '--seed',
          '1',
        ]),
      );
    }
    runs.sort((a, b) => a.seconds - b.seconds);
    const ours = {
      seconds: runs[runs.length >> 1].seconds,
      rssMiB: Math.max(...runs.map((r) => r.rssMiB)),
      slowest: runs[runs.length - 1].seconds,
    };
    const mi = await minterpolate(dir, c.width, c.height, c.seconds);
    const made = [await countFrames(join(dir, 'ours.mp4')), await countFrames(join(dir, 'mi.mp4'))];
    if (made.some((n) => n !== c.seconds * 24))
      throw new Error(`expected ${c.seconds * 24} frames, made ${made.join(' and ')}`);
    console.log(
      `| ${c.name} | ${c.seconds * 24} | ${ours.seconds.toFixed(2)} (${ours.slowest.toFixed(2)}) | ${ours.rssMiB.toFixed(0)} | ${mi.seconds.toFixed(2)} | ${mi.rssMiB.toFixed(0)} | ${(mi.seconds / ours.seconds).toFixed(1)}x |`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
