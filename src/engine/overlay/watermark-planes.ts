import type { Box } from './watermark-layout.js';

/**
 * A mark ready for the frame loop: its box in the frame and, for that box only, the overlay already converted to
 * the frame's yuv420p (BT.709 limited range) and premultiplied by its alpha, so each frame costs one
 * multiply-add per sample of a small rectangle.
 *
 * Fixed point with 8 fractional bits: a sample becomes `(premul + keep * sample + 128) >> 8`, where `keep` is
 * `256 - round(256 * alpha)`. A fully transparent pixel has `premul = 0` and `keep = 256`, which gives back the
 * frame's own value exactly: the mark changes no pixel outside its shape.
 */
export interface Watermark {
  readonly kind: 'text' | 'image';
  /** The frame size this mark was laid out for; applying it to another size is refused. */
  readonly frameWidth: number;
  readonly frameHeight: number;
  /** The mark's box in the frame; x, y, width and height are all even. */
  readonly box: Box;
  /** Luma x alpha x 256, one per pixel of the box (width x height). */
  readonly yPremul: Uint16Array;
  /** 256 - alpha x 256 at luma resolution. */
  readonly yKeep: Uint16Array;
  /** Cb and Cr x chroma alpha x 256, one per 2x2 block of the box (width/2 x height/2). */
  readonly uPremul: Uint16Array;
  readonly vPremul: Uint16Array;
  /** 256 - chroma alpha x 256, where chroma alpha is the mean of the block's four alphas. */
  readonly cKeep: Uint16Array;
  /** R, G, B x alpha x 256, interleaved, for drawing the same mark on an RGB frame (the cover). */
  readonly rgbPremul: Uint16Array;
}

// BT.709, the same constants and rounding as the frame conversion in synth/yuv420.ts.
const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;

/** Options for {@link buildWatermarkPlanes}. */
export interface WatermarkPlanesOptions {
  kind: Watermark['kind'];
  /** Unpremultiplied sRGB + alpha, 4 bytes per pixel; may be smaller than the box (the rest is transparent). */
  rgba: Uint8Array;
  rgbaWidth: number;
  rgbaHeight: number;
  box: Box;
  frameWidth: number;
  frameHeight: number;
}

/** Converts an RGBA raster into the premultiplied yuv420p and RGB planes of a {@link Watermark}. */
export function buildWatermarkPlanes(options: WatermarkPlanesOptions): Watermark {
  const { rgba, rgbaWidth, rgbaHeight, box } = options;
  const { width, height } = box;
  const n = width * height;
  const yPremul = new Uint16Array(n);
  const yKeep = new Uint16Array(n).fill(256);
  const rgbPremul = new Uint16Array(3 * n);
  // Per pixel alpha and premultiplied Cb/Cr (as floats), averaged into the 2x2 blocks below.
  const alpha = new Float64Array(n);
  const cbA = new Float64Array(n);
  const crA = new Float64Array(n);
  for (let y = 0; y < Math.min(height, rgbaHeight); y++) {
    for (let x = 0; x < Math.min(width, rgbaWidth); x++) {
      const s = 4 * (y * rgbaWidth + x);
      const a = rgba[s + 3] / 255;
      if (a === 0) continue;
      const r = rgba[s];
      const g = rgba[s + 1];
      const b = rgba[s + 2];
      const i = y * width + x;
      const luma = KR * r + KG * g + KB * b;
      yPremul[i] = Math.round(256 * a * (16 + (219 / 255) * luma));
      yKeep[i] = 256 - Math.round(256 * a);
      rgbPremul[3 * i] = Math.round(256 * a * r);
      rgbPremul[3 * i + 1] = Math.round(256 * a * g);
      rgbPremul[3 * i + 2] = Math.round(256 * a * b);
      alpha[i] = a;
      cbA[i] = a * (128 + (224 / 255) * ((b - luma) / (2 * (1 - KB))));
      crA[i] = a * (128 + (224 / 255) * ((r - luma) / (2 * (1 - KR))));
    }
  }
  const cw = width / 2;
  const ch = height / 2;
  const uPremul = new Uint16Array(cw * ch);
  const vPremul = new Uint16Array(cw * ch);
  const cKeep = new Uint16Array(cw * ch);
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const p = 2 * cy * width + 2 * cx;
      const q = p + width;
      const a = (alpha[p] + alpha[p + 1] + alpha[q] + alpha[q + 1]) / 4;
      const c = cy * cw + cx;
      uPremul[c] = Math.round((256 * (cbA[p] + cbA[p + 1] + cbA[q] + cbA[q + 1])) / 4);
      vPremul[c] = Math.round((256 * (crA[p] + crA[p + 1] + crA[q] + crA[q + 1])) / 4);
      cKeep[c] = 256 - Math.round(256 * a);
    }
  }
  return {
    kind: options.kind,
    frameWidth: options.frameWidth,
    frameHeight: options.frameHeight,
    box,
    yPremul,
    yKeep,
    uPremul,
    vPremul,
    cKeep,
    rgbPremul,
  };
}
