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
  // Field vectors are in working-resolution pixels; the keyframes are sampled at full resolution.
  const vecX = width / fields.width;
  const vecY = height / fields.height;
  const row = new Float32Array(width * FIELD_CHANNELS);
  const scene = new Float32Array(width * 2);
  const columns = camera === null && options.edges !== 'mirror' ? columnTable(width, fields.width) : null;
  const a = start.data;
  const b = end.data;
  const maxX = width - 1;
  const maxY = height - 1;

  for (let y = 0; y < height; y++) {
    if (columns) sampleRowStraight(fields, y, height, columns, row, scene);
    else sampleRowThroughCamera(fields, y, width, height, camera ?? IDENTITY, options.edges === 'mirror', row, scene);
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const k = x * FIELD_CHANNELS;
      const px = scene[2 * x];
      const py = scene[2 * x + 1];
      const x0 = px + row[k] * vecX;
      const y0 = py + row[k + 1] * vecY;
      const x1 = px + row[k + 2] * vecX;
      const y1 = py + row[k + 3] * vecY;
      let w0 = row[k + 4];
      let w1 = row[k + 5];
      // A keyframe whose motion carries this pixel outside its borders does not see it (content entering or
      // leaving the frame); its clamped border colour would smear, so the other keyframe takes the pixel.
      const out0 = x0 < -1 || y0 < -1 || x0 > width || y0 > height;
      const out1 = x1 < -1 || y1 < -1 || x1 > width || y1 > height;
      if (out0 !== out1) {
        if (out0) w0 *= OUTSIDE_WEIGHT;
        else w1 *= OUTSIDE_WEIGHT;
      }
      let total = w0 + w1;
      if (!(total > 0)) {
        w0 = 1;
        w1 = 0;
        total = 1;
      }
      const f = w0 / total;
      const g = 1 - f;

      // Bilinear samples of both keyframes, clamped to the edges, inlined: this loop runs for every pixel.
      const cx0 = x0 < 0 ? 0 : x0 > maxX ? maxX : x0;
      const cy0 = y0 < 0 ? 0 : y0 > maxY ? maxY : y0;
      const ix0 = cx0 | 0;
      const iy0 = cy0 | 0;
      const ax0 = cx0 - ix0;
      const ay0 = cy0 - iy0;
      const i00 = (iy0 * width + ix0) * 3;
      const dx0 = ix0 < maxX ? 3 : 0;
      const dy0 = iy0 < maxY ? width * 3 : 0;
      const cx1 = x1 < 0 ? 0 : x1 > maxX ? maxX : x1;
      const cy1 = y1 < 0 ? 0 : y1 > maxY ? maxY : y1;
      const ix1 = cx1 | 0;
      const iy1 = cy1 | 0;
      const ax1 = cx1 - ix1;
      const ay1 = cy1 - iy1;
      const i10 = (iy1 * width + ix1) * 3;
      const dx1 = ix1 < maxX ? 3 : 0;
      const dy1 = iy1 < maxY ? width * 3 : 0;
      const r00 = a[i00] + (a[i00 + dx0] - a[i00]) * ax0;
      const r01 = a[i00 + dy0] + (a[i00 + dy0 + dx0] - a[i00 + dy0]) * ax0;
      const g00 = a[i00 + 1] + (a[i00 + dx0 + 1] - a[i00 + 1]) * ax0;
      const g01 = a[i00 + dy0 + 1] + (a[i00 + dy0 + dx0 + 1] - a[i00 + dy0 + 1]) * ax0;
      const b00 = a[i00 + 2] + (a[i00 + dx0 + 2] - a[i00 + 2]) * ax0;
      const b01 = a[i00 + dy0 + 2] + (a[i00 + dy0 + dx0 + 2] - a[i00 + dy0 + 2]) * ax0;
      const r10 = b[i10] + (b[i10 + dx1] - b[i10]) * ax1;
      const r11 = b[i10 + dy1] + (b[i10 + dy1 + dx1] - b[i10 + dy1]) * ax1;
      const g10 = b[i10 + 1] + (b[i10 + dx1 + 1] - b[i10 + 1]) * ax1;
      const g11 = b[i10 + dy1 + 1] + (b[i10 + dy1 + dx1 + 1] - b[i10 + dy1 + 1]) * ax1;
      const b10 = b[i10 + 2] + (b[i10 + dx1 + 2] - b[i10 + 2]) * ax1;
      const b11 = b[i10 + dy1 + 2] + (b[i10 + dy1 + dx1 + 2] - b[i10 + dy1 + 2]) * ax1;
      // Uint8Array assignment truncates; +0.5 rounds. A convex blend stays within 0..255.
      out[o] = f * (r00 + (r01 - r00) * ay0) + g * (r10 + (r11 - r10) * ay1) + 0.5;
      out[o + 1] = f * (g00 + (g01 - g00) * ay0) + g * (g10 + (g11 - g10) * ay1) + 0.5;
      out[o + 2] = f * (b00 + (b01 - b00) * ay0) + g * (b10 + (b11 - b10) * ay1) + 0.5;
    }
  }
  return out;
}

/** For each output column: the two field columns around it and the weight of the right one. */
interface ColumnTable {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly weight: Float32Array;
}

function columnTable(width: number, fieldWidth: number): ColumnTable {
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const weight = new Float32Array(width);
  const scale = fieldWidth / width;
  for (let x = 0; x < width; x++) {
    const fx = Math.min(fieldWidth - 1, Math.max(0, (x + 0.5) * scale - 0.5));
    left[x] = fx | 0;
    right[x] = Math.min(fieldWidth - 1, left[x] + 1);
    weight[x] = fx - left[x];
  }
  return { left, right, weight };
}

/**
 * One output row of fields without a camera: the two field rows around it are mixed once, then each pixel
 * mixes two neighbours from the column table, which is far cheaper than a full bilinear lookup per pixel.
 */
function sampleRowStraight(
  fields: IntermediateFields,
  y: number,
  height: number,
  columns: ColumnTable,
  row: Float32Array,
  scene: Float32Array,
): void {
  const { width: fw, height: fh, data } = fields;
  const fy = Math.min(fh - 1, Math.max(0, (y + 0.5) * (fh / height) - 0.5));
  const top = fy | 0;
  const bottom = Math.min(fh - 1, top + 1);
  const ay = fy - top;
  const t = top * fw * FIELD_CHANNELS;
  const u = bottom * fw * FIELD_CHANNELS;
  const { left, right, weight } = columns;
  for (let x = 0; x < left.length; x++) {
    const l = left[x] * FIELD_CHANNELS;
    const r = right[x] * FIELD_CHANNELS;
    const ax = weight[x];
    const k = x * FIELD_CHANNELS;
    for (let c = 0; c < FIELD_CHANNELS; c++) {
      const upper = data[t + l + c] + (data[t + r + c] - data[t + l + c]) * ax;
      const lower = data[u + l + c] + (data[u + r + c] - data[u + l + c]) * ax;
      row[k + c] = upper + (lower - upper) * ay;
    }
    scene[2 * x] = x;
    scene[2 * x + 1] = y;
  }
}

/** One output row of fields through the camera: each pixel's scene point, and a bilinear lookup there. */
function sampleRowThroughCamera(
  fields: IntermediateFields,
  y: number,
  width: number,
  height: number,
  m: Affine,
  mirror: boolean,
  row: Float32Array,
  scene: Float32Array,
): void {
  const { width: fw, height: fh, data } = fields;
  const scaleX = fw / width;
  const scaleY = fh / height;
  for (let x = 0; x < width; x++) {
    let px = m[0] * x + m[1] * y + m[2];
    let py = m[3] * x + m[4] * y + m[5];
    if (mirror) {
      px = reflect(px, width);
      py = reflect(py, height);
    }
    scene[2 * x] = px;
    scene[2 * x + 1] = py;
    const fx = Math.min(fw - 1, Math.max(0, (px + 0.5) * scaleX - 0.5));
    const fy = Math.min(fh - 1, Math.max(0, (py + 0.5) * scaleY - 0.5));
    const x0 = fx | 0;
    const y0 = fy | 0;
    const x1 = x0 + 1 < fw ? x0 + 1 : x0;
    const y1 = y0 + 1 < fh ? y0 + 1 : y0;
    const ax = fx - x0;
    const ay = fy - y0;
    const i00 = (y0 * fw + x0) * FIELD_CHANNELS;
    const i01 = (y0 * fw + x1) * FIELD_CHANNELS;
    const i10 = (y1 * fw + x0) * FIELD_CHANNELS;
    const i11 = (y1 * fw + x1) * FIELD_CHANNELS;
    const k = x * FIELD_CHANNELS;
    for (let c = 0; c < FIELD_CHANNELS; c++) {
      const upper = data[i00 + c] + (data[i01 + c] - data[i00 + c]) * ax;
      const lower = data[i10 + c] + (data[i11 + c] - data[i10 + c]) * ax;
      row[k + c] = upper + (lower - upper) * ay;
    }
  }
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
