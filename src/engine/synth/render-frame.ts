import type { RgbImage } from '../raster/types.js';
import {
  IDENTITY_AFFINE,
  PLAN_STRIDE,
  rowsStayStraight,
  sampleRowThroughCamera,
  StraightRowSampler,
  startShare,
  type Affine,
  type RowGeometry,
} from './field-rows.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

export type { Affine } from './field-rows.js';

export interface RenderFrameOptions<Image> {
  readonly start: Image;
  readonly end: Image;
  readonly fields: IntermediateFields;
  /** Camera transform for this frame, or null for none. */
  readonly camera: Affine | null;
  /**
   * How scene points outside the keyframes are drawn: 'clamp' repeats the border (never reached by the camera
   * moves of a two-frame clip), 'mirror' reflects the image (a single image's pull-out reveals its surround).
   */
  readonly edges?: 'clamp' | 'mirror';
  /** Reused output buffer; allocated when absent. */
  readonly out?: Uint8Array;
}

/**
 * Synthesises one RGB frame at full resolution: the camera maps each output pixel into the scene, the
 * working-resolution fields (upsampled bilinearly on the fly) carry it into both keyframes, and the two
 * bilinear samples are blended by the fields' weights. One pass, so the camera move costs no extra resample.
 * The video path draws the same frame in YUV 4:2:0 (render-frame-yuv.ts); this one serves stills.
 */
export function renderFrame(options: RenderFrameOptions<RgbImage>): Uint8Array {
  const { start, end, fields, camera } = options;
  const { width, height } = start;
  const out = options.out ?? new Uint8Array(width * height * 3);
  const rows = new RowSampler(
    fields,
    width,
    height,
    { count: width, offset: 0, step: 1 },
    camera,
    options.edges,
  );
  const points = new Float64Array(5);
  const a = start.data;
  const b = end.data;
  const maxX = width - 1;
  const maxY = height - 1;
  const stride = width * 3;

  for (let y = 0; y < height; y++) {
    rows.sample(y);
    let o = y * stride;
    for (let x = 0; x < width; x++, o += 3) {
      rows.samplePoints(x, points);
      const x0 = points[0];
      const y0 = points[1];
      const x1 = points[2];
      const y1 = points[3];
      const f = points[4];
      const g = 1 - f;
      // Bilinear samples of both keyframes, clamped to the edges, inlined: this loop runs for every pixel.
      const cx0 = x0 < 0 ? 0 : x0 > maxX ? maxX : x0;
      const cy0 = y0 < 0 ? 0 : y0 > maxY ? maxY : y0;
      const ix0 = cx0 | 0;
      const iy0 = cy0 | 0;
      const ax0 = cx0 - ix0;
      const ay0 = cy0 - iy0;
      const p = (iy0 * width + ix0) * 3;
      const px = ix0 < maxX ? 3 : 0;
      const py = iy0 < maxY ? stride : 0;
      const cx1 = x1 < 0 ? 0 : x1 > maxX ? maxX : x1;
      const cy1 = y1 < 0 ? 0 : y1 > maxY ? maxY : y1;
      const ix1 = cx1 | 0;
      const iy1 = cy1 | 0;
      const ax1 = cx1 - ix1;
      const ay1 = cy1 - iy1;
      const q = (iy1 * width + ix1) * 3;
      const qx = ix1 < maxX ? 3 : 0;
      const qy = iy1 < maxY ? stride : 0;
      for (let c = 0; c < 3; c++) {
        const top0 = a[p + c] + (a[p + px + c] - a[p + c]) * ax0;
        const bottom0 = a[p + py + c] + (a[p + py + px + c] - a[p + py + c]) * ax0;
        const top1 = b[q + c] + (b[q + qx + c] - b[q + c]) * ax1;
        const bottom1 = b[q + qy + c] + (b[q + qy + qx + c] - b[q + qy + c]) * ax1;
        // Uint8Array assignment truncates; +0.5 rounds. A convex blend stays within 0..255.
        out[o + c] = f * (top0 + (bottom0 - top0) * ay0) + g * (top1 + (bottom1 - top1) * ay1) + 0.5;
      }
    }
  }
  return out;
}

/**
 * Fields of one output row at a time. Without a camera, `top` and `bottom` are two resampled field rows and
 * each pixel mixes them by `ay` (`straight` is true and a pixel's frame point is its own position). Through a
 * camera, `top` and `bottom` are the same per-pixel row (`ay` = 0) and `scene` holds each pixel's scene point.
 */
export class RowSampler {
  top: Float32Array;
  bottom: Float32Array;
  ay = 0;
  readonly straight: boolean;
  readonly scene: Float32Array;
  /**
   * With `straight`, column i of the prepared row sits at scene x = offset + step * i and scene y = `rowY`;
   * field vectors scale by vecX, vecY to full-resolution pixels.
   */
  readonly offset: number;
  readonly step: number;
  readonly vecX: number;
  readonly vecY: number;
  rowY = 0;
  readonly #row: Float32Array;
  readonly #fields: IntermediateFields;
  readonly #width: number;
  readonly #height: number;
  readonly #geometry: RowGeometry;
  readonly #camera: Affine;
  readonly #mirror: boolean;
  readonly #straight: StraightRowSampler | null;

  constructor(
    fields: IntermediateFields,
    width: number,
    height: number,
    geometry: RowGeometry,
    camera: Affine | null,
    edges: 'clamp' | 'mirror' = 'clamp',
  ) {
    this.#fields = fields;
    this.#width = width;
    this.#height = height;
    this.#mirror = edges === 'mirror';
    this.#camera = camera ?? IDENTITY_AFFINE;
    const m = this.#camera;
    // Every camera move of the layer is axis-aligned (zoom, pan, squeeze): an output row then maps to one scene
    // row and its columns to evenly spaced scene columns, so the cheap row sampler serves it too.
    this.straight = rowsStayStraight(m, edges);
    this.#geometry = this.straight
      ? { count: geometry.count, offset: m[0] * geometry.offset + m[2], step: m[0] * geometry.step }
      : geometry;
    this.#straight = this.straight ? new StraightRowSampler(fields, width, height, this.#geometry) : null;
    this.#row = new Float32Array(geometry.count * FIELD_CHANNELS);
    this.top = this.#row;
    this.bottom = this.#row;
    this.scene = new Float32Array(geometry.count * 2);
    this.offset = this.#geometry.offset;
    this.step = this.#geometry.step;
    // Field vectors are in working-resolution pixels; the keyframes are sampled at full resolution.
    this.vecX = width / fields.width;
    this.vecY = height / fields.height;
  }

  /**
   * For pixel i of the prepared row: where it samples the start frame (into[0], into[1]) and the end frame
   * (into[2], into[3]), and the start frame's share of the blend (into[4]).
   */
  samplePoints(i: number, into: Float64Array, at = 0): void {
    const { top, bottom, ay } = this;
    const k = i * FIELD_CHANNELS;
    const sx = this.straight ? this.offset + this.step * i : this.scene[2 * i];
    const sy = this.straight ? this.rowY : this.scene[2 * i + 1];
    const x0 = sx + (top[k] + (bottom[k] - top[k]) * ay) * this.vecX;
    const y0 = sy + (top[k + 1] + (bottom[k + 1] - top[k + 1]) * ay) * this.vecY;
    const x1 = sx + (top[k + 2] + (bottom[k + 2] - top[k + 2]) * ay) * this.vecX;
    const y1 = sy + (top[k + 3] + (bottom[k + 3] - top[k + 3]) * ay) * this.vecY;
    const w0 = top[k + 4] + (bottom[k + 4] - top[k + 4]) * ay;
    const w1 = top[k + 5] + (bottom[k + 5] - top[k + 5]) * ay;
    into[at] = x0;
    into[at + 1] = y0;
    into[at + 2] = x1;
    into[at + 3] = y1;
    into[at + 4] = startShare(w0, w1, x0, y0, x1, y1, this.#width, this.#height);
  }

  /**
   * Every column's `samplePoints` of the output row at frame coordinate y, into `plan` (PLAN_STRIDE numbers per
   * column); without a camera straight from the fields, skipping the per-pixel mix of resampled rows.
   */
  plan(y: number, plan: Float64Array): void {
    if (this.#straight) {
      this.rowY = this.#camera[4] * y + this.#camera[5];
      this.#straight.planRow(
        this.rowY,
        this.offset,
        this.step,
        this.vecX,
        this.vecY,
        this.#width,
        this.#height,
        plan,
      );
      return;
    }
    this.sample(y);
    const count = this.#geometry.count;
    for (let i = 0; i < count; i++) this.samplePoints(i, plan, i * PLAN_STRIDE);
  }

  /** Prepares the fields of the output row at frame coordinate y. */
  sample(y: number): void {
    if (this.#straight) {
      this.rowY = this.#camera[4] * y + this.#camera[5];
      this.#straight.prepare(this.rowY);
      this.top = this.#straight.top;
      this.bottom = this.#straight.bottom;
      this.ay = this.#straight.ay;
      return;
    }
    this.rowY = y;
    sampleRowThroughCamera(
      this.#fields,
      this.#width,
      this.#height,
      this.#geometry,
      y,
      this.#camera,
      this.#mirror,
      this.#row,
      this.scene,
    );
  }
}
