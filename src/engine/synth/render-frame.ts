import type { RgbImage } from '../raster/types.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

/**
 * A 2x3 affine map [a, b, c, d, e, f] from output pixel (x, y) to scene pixel (a x + b y + c, d x + e y + f).
 * The camera layer uses it; the identity means no camera move.
 */
export type Affine = Float64Array;

export interface RenderFrameOptions {
  readonly start: RgbImage;
  readonly end: RgbImage;
  readonly fields: IntermediateFields;
  /** Camera transform for this frame, or null for none. */
  readonly camera: Affine | null;
  /**
   * How scene points outside the keyframes are drawn: 'clamp' repeats the border (never reached by the camera
   * moves of a two-frame clip), 'mirror' reflects the image (a single image's pull-out reveals its surround).
   */
  readonly edges?: 'clamp' | 'mirror';
  /** Reused output buffer (width * height * 3); allocated when absent. */
  readonly out?: Uint8Array;
}

/**
 * Synthesises one output frame at full resolution: the camera maps each output pixel into the scene, the
 * working-resolution fields (upsampled bilinearly on the fly) carry it into both keyframes, and the two
 * bilinear samples are blended by the fields' weights. One pass, so the camera move costs no extra resample.
 */
export function renderFrame(options: RenderFrameOptions): Uint8Array {
  const { start, end, fields, camera } = options;
  const { width, height } = start;
  const out = options.out ?? new Uint8Array(width * height * 3);
  const fw = fields.width;
  const fh = fields.height;
  const scaleX = fw / width;
  const scaleY = fh / height;
  // Field vectors are in working-resolution pixels; the keyframes are sampled at full resolution.
  const vecX = width / fw;
  const vecY = height / fh;
  const m = camera ?? IDENTITY;
  const field = fields.data;
  const sample = new Float32Array(FIELD_CHANNELS);
  const colour0 = new Float32Array(3);
  const colour1 = new Float32Array(3);
  const mirror = options.edges === 'mirror';

  for (let y = 0; y < height; y++) {
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      let px = m[0] * x + m[1] * y + m[2];
      let py = m[3] * x + m[4] * y + m[5];
      if (mirror) {
        px = reflect(px, width);
        py = reflect(py, height);
      }
      sampleFields(field, fw, fh, (px + 0.5) * scaleX - 0.5, (py + 0.5) * scaleY - 0.5, sample);
      const x0 = px + sample[0] * vecX;
      const y0 = py + sample[1] * vecY;
      const x1 = px + sample[2] * vecX;
      const y1 = py + sample[3] * vecY;
      // A keyframe whose motion carries this pixel outside its borders does not see it (content entering or
      // leaving the frame); its clamped border colour would smear, so the other keyframe takes the pixel.
      const out0 = x0 < -1 || y0 < -1 || x0 > width || y0 > height;
      const out1 = x1 < -1 || y1 < -1 || x1 > width || y1 > height;
      let w0 = sample[4];
      let w1 = sample[5];
      if (out0 !== out1) {
        if (out0) w0 *= OUTSIDE_WEIGHT;
        else w1 *= OUTSIDE_WEIGHT;
      }
      const total = w0 + w1;
      if (total <= 0) {
        sampleRgb(start, px, py, colour0);
        out[o] = colour0[0] + 0.5;
        out[o + 1] = colour0[1] + 0.5;
        out[o + 2] = colour0[2] + 0.5;
        continue;
      }
      sampleRgb(start, x0, y0, colour0);
      sampleRgb(end, x1, y1, colour1);
      const a = w0 / total;
      const b = 1 - a;
      // Uint8Array assignment truncates; +0.5 rounds. Values stay within 0..255 as a convex blend.
      out[o] = a * colour0[0] + b * colour1[0] + 0.5;
      out[o + 1] = a * colour0[1] + b * colour1[1] + 0.5;
      out[o + 2] = a * colour0[2] + b * colour1[2] + 0.5;
    }
  }
  return out;
}

/** Reflects a coordinate back into 0..size-1 about the edges (one bounce is all a camera move needs). */
function reflect(v: number, size: number): number {
  const last = size - 1;
  if (v < 0) return Math.min(last, -v);
  if (v > last) return Math.max(0, 2 * last - v);
  return v;
}

/** What is left of a keyframe's weight where its sample falls outside the frame. */
const OUTSIDE_WEIGHT = 1e-3;

const IDENTITY: Affine = new Float64Array([1, 0, 0, 0, 1, 0]);

/** Bilinear sample of all field channels at once (the weights are shared), clamped to the edges. */
function sampleFields(
  data: Float32Array,
  w: number,
  h: number,
  x: number,
  y: number,
  out: Float32Array,
): void {
  const cx = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const cy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = cx | 0;
  const y0 = cy | 0;
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const ax = cx - x0;
  const ay = cy - y0;
  const w00 = (1 - ax) * (1 - ay);
  const w01 = ax * (1 - ay);
  const w10 = (1 - ax) * ay;
  const w11 = ax * ay;
  const i00 = (y0 * w + x0) * FIELD_CHANNELS;
  const i01 = (y0 * w + x1) * FIELD_CHANNELS;
  const i10 = (y1 * w + x0) * FIELD_CHANNELS;
  const i11 = (y1 * w + x1) * FIELD_CHANNELS;
  for (let c = 0; c < FIELD_CHANNELS; c++) {
    out[c] = w00 * data[i00 + c] + w01 * data[i01 + c] + w10 * data[i10 + c] + w11 * data[i11 + c];
  }
}

/** Bilinear RGB sample, clamped to the edges (a pixel carried outside the frame takes the border colour). */
function sampleRgb(image: RgbImage, x: number, y: number, out: Float32Array): void {
  const { width, height, data } = image;
  const cx = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
  const cy = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
  const x0 = cx | 0;
  const y0 = cy | 0;
  const x1 = x0 + 1 < width ? x0 + 1 : x0;
  const y1 = y0 + 1 < height ? y0 + 1 : y0;
  const ax = cx - x0;
  const ay = cy - y0;
  const i00 = (y0 * width + x0) * 3;
  const i01 = (y0 * width + x1) * 3;
  const i10 = (y1 * width + x0) * 3;
  const i11 = (y1 * width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = data[i00 + c] + (data[i01 + c] - data[i00 + c]) * ax;
    const bottom = data[i10 + c] + (data[i11 + c] - data[i10 + c]) * ax;
    out[c] = top + (bottom - top) * ay;
  }
}
