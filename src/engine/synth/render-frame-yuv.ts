import { PLAN_STRIDE, rowsStayStraight } from './field-rows.js';
import { RowSampler, type RenderFrameOptions } from './render-frame.js';
import { wasmYuvDrawer } from './wasm-drawer.js';
import { yuv420Bytes, type Yuv420Image } from './yuv420.js';

/**
 * Synthesises one frame in yuv420p, the encoder's input format: the same warp and blend as `renderFrame`, with
 * luma sampled per pixel and chroma per 2x2 block at the block's centre. Half the samples of RGB, and no
 * conversion left for ffmpeg to do.
 *
 * This is the render's hottest code (about a million samples a frame at 720p): each output row is first
 * planned (where every column samples both keyframes, and their blend, see `RowSampler.plan`), then each
 * plane's row is one loop with the bilinear lookups written out inline: no call and no object per pixel.
 */
export function renderFrameYuv(options: RenderFrameOptions<Yuv420Image>): Uint8Array {
  const { start, end, fields, camera, edges, out } = options;
  // The WebAssembly build draws the same frame ~5x faster (110 -> 22 ms at 720p, within 1 level, see
  // render-frame-yuv.test.ts) where rows stay straight; a mirrored pull-out or a rotation takes the JavaScript.
  if (rowsStayStraight(camera, edges)) {
    const drawer = wasmYuvDrawer();
    if (drawer) return drawer.draw(start, end, fields, camera, out);
  }
  return renderFrameYuvJs(options);
}

/** {@link renderFrameYuv} in JavaScript, for every camera; the reference the WebAssembly build is tested against. */
export function renderFrameYuvJs(options: RenderFrameOptions<Yuv420Image>): Uint8Array {
  const { start, end, fields, camera, edges } = options;
  const { width, height } = start;
  const out = options.out ?? new Uint8Array(yuv420Bytes(width, height));
  const luma = new RowSampler(fields, width, height, { count: width, offset: 0, step: 1 }, camera, edges);
  const plan = new Float64Array(width * PLAN_STRIDE);
  for (let y = 0; y < height; y++) {
    luma.plan(y, plan);
    drawLumaRow(plan, start.data, end.data, width, height, out, y * width);
  }
  // Chroma: each sample stands for a 2x2 luma block, centred at luma coordinates (2cx + 0.5, 2cy + 0.5).
  const cw = width / 2;
  const ch = height / 2;
  const chroma = new RowSampler(fields, width, height, { count: cw, offset: 0.5, step: 2 }, camera, edges);
  for (let cy = 0; cy < ch; cy++) {
    chroma.plan(2 * cy + 0.5, plan);
    drawChromaRow(plan, start.data, end.data, width, height, out, cy * cw);
  }
  return out;
}

/** One row of the Y plane into `out` at `o`, from its plan. */
function drawLumaRow(
  plan: Float64Array,
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  o: number,
): void {
  const maxX = width - 1;
  const maxY = height - 1;
  for (let x = 0, k = 0; x < width; x++, k += PLAN_STRIDE) {
    const x0 = plan[k];
    const y0 = plan[k + 1];
    const x1 = plan[k + 2];
    const y1 = plan[k + 3];
    const f = plan[k + 4];
    // Bilinear samples of both keyframes, clamped to the edges.
    const cx0 = x0 < 0 ? 0 : x0 > maxX ? maxX : x0;
    const cy0 = y0 < 0 ? 0 : y0 > maxY ? maxY : y0;
    const ix0 = cx0 | 0;
    const iy0 = cy0 | 0;
    const ax0 = cx0 - ix0;
    const ay0 = cy0 - iy0;
    const p = iy0 * width + ix0;
    const px = ix0 < maxX ? 1 : 0;
    const py = iy0 < maxY ? width : 0;
    const top0 = a[p] + (a[p + px] - a[p]) * ax0;
    const bottom0 = a[p + py] + (a[p + py + px] - a[p + py]) * ax0;
    const v0 = top0 + (bottom0 - top0) * ay0;
    const cx1 = x1 < 0 ? 0 : x1 > maxX ? maxX : x1;
    const cy1 = y1 < 0 ? 0 : y1 > maxY ? maxY : y1;
    const ix1 = cx1 | 0;
    const iy1 = cy1 | 0;
    const ax1 = cx1 - ix1;
    const ay1 = cy1 - iy1;
    const q = iy1 * width + ix1;
    const qx = ix1 < maxX ? 1 : 0;
    const qy = iy1 < maxY ? width : 0;
    const top1 = b[q] + (b[q + qx] - b[q]) * ax1;
    const bottom1 = b[q + qy] + (b[q + qy + qx] - b[q + qy]) * ax1;
    const v1 = top1 + (bottom1 - top1) * ay1;
    // Uint8Array assignment truncates; +0.5 rounds. A convex blend stays within 0..255.
    out[o + x] = f * v0 + (1 - f) * v1 + 0.5;
  }
}

/**
 * One row of the U and V planes into `out` at `o` (within each plane), from the chroma row's plan.
 * U and V share their sample positions: one index computation per keyframe serves both planes.
 */
function drawChromaRow(
  plan: Float64Array,
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  out: Uint8Array,
  o: number,
): void {
  const cw = width / 2;
  const uBase = width * height;
  const vBase = uBase + cw * (height / 2);
  const maxX = cw - 1;
  const maxY = height / 2 - 1;
  for (let x = 0, k = 0; x < cw; x++, k += PLAN_STRIDE) {
    const x0 = plan[k];
    const y0 = plan[k + 1];
    const x1 = plan[k + 2];
    const y1 = plan[k + 3];
    const f = plan[k + 4];
    const g = 1 - f;
    // Luma coordinates to chroma ones: chroma sample c sits at luma 2c + 0.5.
    const u0x = (x0 - 0.5) / 2;
    const u0y = (y0 - 0.5) / 2;
    const cx0 = u0x < 0 ? 0 : u0x > maxX ? maxX : u0x;
    const cy0 = u0y < 0 ? 0 : u0y > maxY ? maxY : u0y;
    const ix0 = cx0 | 0;
    const iy0 = cy0 | 0;
    const ax0 = cx0 - ix0;
    const ay0 = cy0 - iy0;
    const p = iy0 * cw + ix0;
    const px = ix0 < maxX ? 1 : 0;
    const py = iy0 < maxY ? cw : 0;
    const u1x = (x1 - 0.5) / 2;
    const u1y = (y1 - 0.5) / 2;
    const cx1 = u1x < 0 ? 0 : u1x > maxX ? maxX : u1x;
    const cy1 = u1y < 0 ? 0 : u1y > maxY ? maxY : u1y;
    const ix1 = cx1 | 0;
    const iy1 = cy1 | 0;
    const ax1 = cx1 - ix1;
    const ay1 = cy1 - iy1;
    const q = iy1 * cw + ix1;
    const qx = ix1 < maxX ? 1 : 0;
    const qy = iy1 < maxY ? cw : 0;
    let s = uBase + p;
    let topA = a[s] + (a[s + px] - a[s]) * ax0;
    let bottomA = a[s + py] + (a[s + py + px] - a[s + py]) * ax0;
    s = uBase + q;
    let topB = b[s] + (b[s + qx] - b[s]) * ax1;
    let bottomB = b[s + qy] + (b[s + qy + qx] - b[s + qy]) * ax1;
    out[uBase + o + x] = f * (topA + (bottomA - topA) * ay0) + g * (topB + (bottomB - topB) * ay1) + 0.5;
    s = vBase + p;
    topA = a[s] + (a[s + px] - a[s]) * ax0;
    bottomA = a[s + py] + (a[s + py + px] - a[s + py]) * ax0;
    s = vBase + q;
    topB = b[s] + (b[s + qx] - b[s]) * ax1;
    bottomB = b[s + qy] + (b[s + qy + qx] - b[s + qy]) * ax1;
    out[vBase + o + x] = f * (topA + (bottomA - topA) * ay0) + g * (topB + (bottomB - topB) * ay1) + 0.5;
  }
}
