import type { RgbImage } from '../raster/types.js';

/**
 * A frame in the encoder's own layout, yuv420p: the Y plane (width x height), then U and V (each half width x
 * half height), BT.709 limited range. Rendering in it halves the samples per pixel against RGB and spares the
 * encoder a colour conversion, which matters on two cores.
 */
export interface Yuv420Image {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;

/** Bytes of a yuv420p frame. */
export function yuv420Bytes(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2);
}

/**
 * RGB to yuv420p, BT.709 limited range, chroma from the mean of each 2x2 block (centre sited, the same choice
 * on the way in and out). Sides must be even, as H.264 4:2:0 requires anyway.
 */
export function rgbToYuv420(image: RgbImage, shared = false): Yuv420Image {
  const { width, height, data } = image;
  if (width % 2 !== 0 || height % 2 !== 0) {
    throw new RangeError(`Expected even sides for yuv420p but received ${width}x${height}`);
  }
  const bytes = yuv420Bytes(width, height);
  const out = new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  for (let i = 0, p = 0; i < width * height; i++, p += 3) {
    out[i] = 16 + (219 / 255) * (KR * data[p] + KG * data[p + 1] + KB * data[p + 2]) + 0.5;
  }
  const cw = width / 2;
  const uBase = width * height;
  const vBase = uBase + cw * (height / 2);
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const p = (2 * cy * width + 2 * cx) * 3;
      const q = p + width * 3;
      const r = (data[p] + data[p + 3] + data[q] + data[q + 3]) / 4;
      const g = (data[p + 1] + data[p + 4] + data[q + 1] + data[q + 4]) / 4;
      const b = (data[p + 2] + data[p + 5] + data[q + 2] + data[q + 5]) / 4;
      const y = KR * r + KG * g + KB * b;
      out[uBase + cy * cw + cx] = 128 + (224 / 255) * ((b - y) / (2 * (1 - KB))) + 0.5;
      out[vBase + cy * cw + cx] = 128 + (224 / 255) * ((r - y) / (2 * (1 - KR))) + 0.5;
    }
  }
  return { width, height, data: out };
}

/** yuv420p (BT.709 limited) back to RGB, chroma replicated over each 2x2 block: for covers and checks. */
export function yuv420ToRgb(image: Yuv420Image): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(width * height * 3);
  const cw = width / 2;
  const uBase = width * height;
  const vBase = uBase + cw * (height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y >> 1) * cw + (x >> 1);
      const luma = ((data[y * width + x] - 16) * 255) / 219;
      const pb = ((data[uBase + c] - 128) * 255) / 224;
      const pr = ((data[vBase + c] - 128) * 255) / 224;
      const r = luma + 2 * (1 - KR) * pr;
      const b = luma + 2 * (1 - KB) * pb;
      const g = (luma - KR * r - KB * b) / KG;
      const o = (y * width + x) * 3;
      out[o] = clampByte(r);
      out[o + 1] = clampByte(g);
      out[o + 2] = clampByte(b);
    }
  }
  return { width, height, data: out };
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
