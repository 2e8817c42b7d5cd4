/**
 * Contact sheets to look at: for each keyframe pair (the sample tunnel pair, every ../shared/eval pair,
 * clips/street at gaps 32 and 64), one PNG in out/sheets/ with inbetween's frames at t = 0, 0.25, 0.5, 0.75, 1
 * on the top row and ffmpeg minterpolate's (mi_mode=mci:scd=none) from the same keyframes below.
 * Usage: npm run bench:sheets [-- --width 320] [-- --only tunnel]
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import type { RgbImage } from '../src/engine/raster/types.js';
import { interpolateFrames } from '../src/engine/render/interpolate-frames.js';
import { FFMPEG, readRgb, writePng } from './eval-io.js';
import { keyframePairs, streetGap, type EvalPair } from './eval-pairs.js';

const run = promisify(execFile);
const TIMES = [0, 0.25, 0.5, 0.75, 1];
const LABEL = 22;

/** minterpolate's frames at TIMES: [start, end, end] at 1 fps into 4 fps gives t = 0, 0.25, ..., 1. */
async function minterpolateFrames(start: RgbImage, end: RgbImage): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-sheet-'));
  await Promise.all([
    writePng(start, join(dir, 's1.png')),
    writePng(end, join(dir, 's2.png')),
    writePng(end, join(dir, 's3.png')),
  ]);
  await run(FFMPEG, [
    ...['-v', 'error', '-y', '-framerate', '1', '-i', join(dir, 's%d.png')],
    ...['-vf', 'minterpolate=fps=4:mi_mode=mci:scd=none', '-frames:v', '5', '-pix_fmt', 'rgb24'],
    join(dir, 'out_%d.png'),
  ]);
  return TIMES.map((_, i) => join(dir, `out_${i + 1}.png`));
}

async function tile(input: RgbImage | string, width: number, height: number): Promise<Buffer> {
  const image =
    typeof input === 'string'
      ? sharp(input)
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });
  return image.resize(width, height).png().toBuffer();
}

function label(text: string, width: number): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LABEL}"><rect width="100%" height="100%" fill="#111"/><text x="6" y="16" font-family="sans-serif" font-size="14" fill="#eee">${text}</text></svg>`;
  return Buffer.from(svg);
}

async function sheet(pair: EvalPair, tileWidth: number, outDir: string): Promise<string> {
  const [start, end] = await Promise.all([readRgb(pair.start), readRgb(pair.end)]);
  const ours = await interpolateFrames(start, end, TIMES);
  const theirs = await minterpolateFrames(start, end);
  const tileHeight = Math.round((tileWidth * start.height) / start.width);
  const rowHeight = LABEL + tileHeight;
  const layers: OverlayOptions[] = [];
  for (const [row, frames, who] of [
    [0, ours, 'inbetween'],
    [1, theirs, 'minterpolate'],
  ] as const) {
    for (let i = 0; i < TIMES.length; i++) {
      const left = i * tileWidth;
      const top = row * rowHeight;
      layers.push({ input: label(`${who} t=${TIMES[i]}`, tileWidth), left, top });
      layers.push({ input: await tile(frames[i], tileWidth, tileHeight), left, top: top + LABEL });
    }
  }
  const path = join(outDir, `${pair.name.replace(/[^a-z0-9=]+/gi, '-')}.png`);
  await sharp({
    create: { width: tileWidth * TIMES.length, height: 2 * rowHeight, channels: 3, background: '#000' },
  })
    .composite(layers)
    .png()
    .toFile(path);
  await rm(join(theirs[0], '..'), { recursive: true, force: true });
  return path;
}

const { values } = parseArgs({
  options: { width: { type: 'string', default: '320' }, only: { type: 'string' }, out: { type: 'string' } },
});
const outDir = values.out ?? join(import.meta.dirname, '..', 'out', 'sheets');
await mkdir(outDir, { recursive: true });
for (const pair of [...keyframePairs(), streetGap(32), streetGap(64)]) {
  if (values.only && !pair.name.includes(values.only)) continue;
  console.log(await sheet(pair, Number(values.width), outDir));
}
