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

/**
 * SSIM (Wang et al. 2004) on luma (BT.601 weights, as the interpolation papers compute it), with the usual 11x11
 * Gaussian window of sigma 1.5, K1 = 0.01, K2 = 0.03, averaged over every pixel whose window lies inside.
 */
export function ssim(a: RgbImage, b: RgbImage): number {
  const { width: w, height: h } = a;
  const la = lumaBt601(a);
  const lb = lumaBt601(b);
  const radius = 5;
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * 1.5 * 1.5)),
  );
  const total = kernel.reduce((x, y) => x + y, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i] /= total;
  const blur = (src: Float64Array): Float64Array => {
    const tmp = new Float64Array(w * h);
    const out = new Float64Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = radius; x < w - radius; x++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) s += kernel[k + radius] * src[y * w + x + k];
        tmp[y * w + x] = s;
      }
    }
    for (let y = radius; y < h - radius; y++) {
      for (let x = radius; x < w - radius; x++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) s += kernel[k + radius] * tmp[(y + k) * w + x];
        out[y * w + x] = s;
      }
    }
    return out;
  };
  const product = (p: Float64Array, q: Float64Array): Float64Array => p.map((v, i) => v * q[i]);
  const ma = blur(la);
  const mb = blur(lb);
  const saa = blur(product(la, la));
  const sbb = blur(product(lb, lb));
  const sab = blur(product(la, lb));
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let count = 0;
  for (let y = radius; y < h - radius; y++) {
    for (let x = radius; x < w - radius; x++) {
      const i = y * w + x;
      const va = saa[i] - ma[i] * ma[i];
      const vb = sbb[i] - mb[i] * mb[i];
      const cov = sab[i] - ma[i] * mb[i];
      sum += ((2 * ma[i] * mb[i] + c1) * (2 * cov + c2)) / ((ma[i] ** 2 + mb[i] ** 2 + c1) * (va + vb + c2));
      count++;
    }
  }
  return count > 0 ? sum / count : 1;
}

function lumaBt601(image: RgbImage): Float64Array {
  const out = new Float64Array(image.width * image.height);
  const d = image.data;
  for (let i = 0, p = 0; i < out.length; i++, p += 3)
    out[i] = 0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2];
  return out;
}
