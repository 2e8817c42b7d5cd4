import { RowSampler, type RenderFrameOptions } from './render-frame.js';
import { yuv420Bytes, type Yuv420Image } from './yuv420.js';

/**
 * Synthesises one frame in yuv420p, the encoder's input format: the same warp and blend as `renderFrame`, with
 * luma sampled per pixel and chroma per 2x2 block at the block's centre. Half the samples of RGB, and no
 * conversion left for ffmpeg to do.
 */
export function renderFrameYuv(options: RenderFrameOptions<Yuv420Image>): Uint8Array {
  const { start, end, fields, camera, edges } = options;
  const { width, height } = start;
  const out = options.out ?? new Uint8Array(yuv420Bytes(width, height));
  const a = start.data;
  const b = end.data;

  const points = new Float64Array(5);
  const luma = new RowSampler(fields, width, height, { count: width, offset: 0, step: 1 }, camera, edges);
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0; y < height; y++) {
    luma.sample(y);
    const o = y * width;
    for (let x = 0; x < width; x++) {
      luma.samplePoints(x, points);
      const x0 = points[0];
      const y0 = points[1];
      const x1 = points[2];
      const y1 = points[3];
      const f = points[4];
      const v0 = bilinear(a, 0, width, maxX, maxY, x0, y0);
      const v1 = bilinear(b, 0, width, maxX, maxY, x1, y1);
      out[o + x] = f * v0 + (1 - f) * v1 + 0.5;
    }
  }

  // Chroma: each sample stands for a 2x2 luma block, centred at luma coordinates (2cx + 0.5, 2cy + 0.5).
  const cw = width / 2;
  const ch = height / 2;
  const uBase = width * height;
  const vBase = uBase + cw * ch;
  const chroma = new RowSampler(fields, width, height, { count: cw, offset: 0.5, step: 2 }, camera, edges);
  const maxCx = cw - 1;
  const maxCy = ch - 1;
  const pair = new Float64Array(1);
  for (let cy = 0; cy < ch; cy++) {
    chroma.sample(2 * cy + 0.5);
    const o = cy * cw;
    for (let cx = 0; cx < cw; cx++) {
      chroma.samplePoints(cx, points);
      const x0 = points[0];
      const y0 = points[1];
      const x1 = points[2];
      const y1 = points[3];
      const f = points[4];
      // U and V share their sample positions: one index computation per keyframe serves both planes.
      const u0 = bilinearPair(a, uBase, vBase, cw, maxCx, maxCy, (x0 - 0.5) / 2, (y0 - 0.5) / 2, pair);
      const v0 = pair[0];
      const u1 = bilinearPair(b, uBase, vBase, cw, maxCx, maxCy, (x1 - 0.5) / 2, (y1 - 0.5) / 2, pair);
      const v1 = pair[0];
      out[uBase + o + cx] = f * u0 + (1 - f) * u1 + 0.5;
      out[vBase + o + cx] = f * v0 + (1 - f) * v1 + 0.5;
    }
  }
  return out;
}

/** Bilinear sample of one plane stored at `base` with row length `stride`, clamped to its edges. */
function bilinear(
  data: Uint8Array,
  base: number,
  stride: number,
  maxX: number,
  maxY: number,
  x: number,
  y: number,
): number {
  const cx = x < 0 ? 0 : x > maxX ? maxX : x;
  const cy = y < 0 ? 0 : y > maxY ? maxY : y;
  const ix = cx | 0;
  const iy = cy | 0;
  const ax = cx - ix;
  const ay = cy - iy;
  const p = base + iy * stride + ix;
  const dx = ix < maxX ? 1 : 0;
  const dy = iy < maxY ? stride : 0;
  const top = data[p] + (data[p + dx] - data[p]) * ax;
  const bottom = data[p + dy] + (data[p + dy + dx] - data[p + dy]) * ax;
  return top + (bottom - top) * ay;
}

/** Bilinear samples of two planes at the same position; returns the first, writes the second to `second[0]`. */
function bilinearPair(
  data: Uint8Array,
  baseA: number,
  baseB: number,
  stride: number,
  maxX: number,
  maxY: number,
  x: number,
  y: number,
  second: Float64Array,
): number {
  const cx = x < 0 ? 0 : x > maxX ? maxX : x;
  const cy = y < 0 ? 0 : y > maxY ? maxY : y;
  const ix = cx | 0;
  const iy = cy | 0;
  const ax = cx - ix;
  const ay = cy - iy;
  const offset = iy * stride + ix;
  const dx = ix < maxX ? 1 : 0;
  const dy = iy < maxY ? stride : 0;
  const p = baseA + offset;
  const q = baseB + offset;
  const topA = data[p] + (data[p + dx] - data[p]) * ax;
  const bottomA = data[p + dy] + (data[p + dy + dx] - data[p + dy]) * ax;
  const topB = data[q] + (data[q + dx] - data[q]) * ax;
  const bottomB = data[q + dy] + (data[q + dy + dx] - data[q + dy]) * ax;
  second[0] = topB + (bottomB - topB) * ay;
  return topA + (bottomA - topA) * ay;
}
