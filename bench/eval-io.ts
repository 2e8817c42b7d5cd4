import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../src/engine/raster/types.js';

const run = promisify(execFile);

/** The shared evaluation data beside the repository (see ../shared/eval/README.md). */
export const EVAL_DIR = process.env.EVAL_DIR ?? join(import.meta.dirname, '..', '..', 'shared', 'eval');

export async function readRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** PSNR over RGB in dB (peak 255). */
export function psnr(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  const mse = sum / a.data.length;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

/** Interpolation error: mean absolute difference over RGB, 0..255. */
export function interpolationError(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

export function blend(a: RgbImage, b: RgbImage, t = 0.5): RgbImage {
  const data = new Uint8Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round((1 - t) * a.data[i] + t * b.data[i]);
  return { width: a.width, height: a.height, data };
}

/** The ffmpeg the benchmarks compare against: FFMPEG_PATH, else the system one (Debian 5.1 in CI). */
export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

/**
 * ffmpeg minterpolate's middle frame, made as ../shared/eval/README.md describes: [start, end, end] at 1 fps
 * into fps=2; the second output frame is t = 0.5.
 */
export async function minterpolateMiddle(startPath: string, endPath: string): Promise<RgbImage> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-mi-'));
  try {
    const [start, end] = await Promise.all([readRgb(startPath), readRgb(endPath)]);
    await Promise.all([
      writePng(start, join(dir, 's1.png')),
      writePng(end, join(dir, 's2.png')),
      writePng(end, join(dir, 's3.png')),
    ]);
    await run(FFMPEG, [
      '-v',
      'error',
      '-y',
      '-framerate',
      '1',
      '-i',
      join(dir, 's%d.png'),
      '-vf',
      'minterpolate=fps=2:mi_mode=mci:scd=none',
      '-pix_fmt',
      'rgb24',
      join(dir, 'out_%d.png'),
    ]);
    return await readRgb(join(dir, 'out_2.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function writePng(image: RgbImage, path: string): Promise<void> {
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toFile(path);
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The header line every table in RESULTS.md carries: when and on what it was measured. */
export function machineLine(): string {
  const cpu = cpus();
  return `${new Date().toISOString().slice(0, 10)}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`;
}
