import { startShare } from './field-rows.js';
import { FIELD_CHANNELS } from './intermediate-fields.js';
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
  const vecX = width / fields.width;
  const vecY = height / fields.height;
  const a = start.data;
  const b = end.data;

  const luma = new RowSampler(fields, width, height, { count: width, offset: 0, step: 1 }, camera, edges);
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0; y < height; y++) {
    luma.sample(y);
    const { top, bottom, ay, straight, scene } = luma;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const k = x * FIELD_CHANNELS;
      const sx = straight ? x : scene[2 * x];
      const sy = straight ? y : scene[2 * x + 1];
      const x0 = sx + (top[k] + (bottom[k] - top[k]) * ay) * vecX;
      const y0 = sy + (top[k + 1] + (bottom[k + 1] - top[k + 1]) * ay) * vecY;
      const x1 = sx + (top[k + 2] + (bottom[k + 2] - top[k + 2]) * ay) * vecX;
      const y1 = sy + (top[k + 3] + (bottom[k + 3] - top[k + 3]) * ay) * vecY;
      const w0 = top[k + 4] + (bottom[k + 4] - top[k + 4]) * ay;
      const w1 = top[k + 5] + (bottom[k + 5] - top[k + 5]) * ay;
      const f = startShare(w0, w1, x0, y0, x1, y1, width, height);
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
    const cyFrame = 2 * cy + 0.5;
    chroma.sample(cyFrame);
    const { top, bottom, ay, straight, scene } = chroma;
    const o = cy * cw;
    for (let cx = 0; cx < cw; cx++) {
      const k = cx * FIELD_CHANNELS;
      const sx = straight ? 2 * cx + 0.5 : scene[2 * cx];
      const sy = straight ? cyFrame : scene[2 * cx + 1];
      const x0 = sx + (top[k] + (bottom[k] - top[k]) * ay) * vecX;
      const y0 = sy + (top[k + 1] + (bottom[k + 1] - top[k + 1]) * ay) * vecY;
      const x1 = sx + (top[k + 2] + (bottom[k + 2] - top[k + 2]) * ay) * vecX;
      const y1 = sy + (top[k + 3] + (bottom[k + 3] - top[k + 3]) * ay) * vecY;
      const w0 = top[k + 4] + (bottom[k + 4] - top[k + 4]) * ay;
      const w1 = top[k + 5] + (bottom[k + 5] - top[k + 5]) * ay;
      const f = startShare(w0, w1, x0, y0, x1, y1, width, height);
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
