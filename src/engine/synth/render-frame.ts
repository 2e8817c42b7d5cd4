import type { RgbImage } from '../raster/types.js';
import {
  IDENTITY_AFFINE,
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
  const { row, scene } = rows;
  const vecX = width / fields.width;
  const vecY = height / fields.height;
  const a = start.data;
  const b = end.data;
  const maxX = width - 1;
  const maxY = height - 1;
  const stride = width * 3;

  for (let y = 0; y < height; y++) {
    rows.sample(y);
    let o = y * stride;
    for (let x = 0; x < width; x++, o += 3) {
      const k = x * FIELD_CHANNELS;
      const x0 = scene[2 * x] + row[k] * vecX;
      const y0 = scene[2 * x + 1] + row[k + 1] * vecY;
      const x1 = scene[2 * x] + row[k + 2] * vecX;
      const y1 = scene[2 * x + 1] + row[k + 3] * vecY;
      const f = startShare(row[k + 4], row[k + 5], x0, y0, x1, y1, width, height);
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

/** Fields and scene points of one output row at a time, with or without a camera, in reused buffers. */
export class RowSampler {
  readonly row: Float32Array;
  readonly scene: Float32Array;
  readonly #fields: IntermediateFields;
  readonly #width: number;
  readonly #height: number;
  readonly #geometry: RowGeometry;
  readonly #camera: Affine | null;
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
    this.#geometry = geometry;
    this.#mirror = edges === 'mirror';
    this.#camera = camera === null && this.#mirror ? IDENTITY_AFFINE : camera;
    this.#straight = this.#camera === null ? new StraightRowSampler(fields, width, height, geometry) : null;
    this.row = new Float32Array(geometry.count * FIELD_CHANNELS);
    this.scene = new Float32Array(geometry.count * 2);
  }

  /** Fills `row` and `scene` for the output row at frame coordinate y. */
  sample(y: number): void {
    if (this.#straight) {
      this.#straight.sample(y, this.row, this.scene);
    } else {
      sampleRowThroughCamera(
        this.#fields,
        this.#width,
        this.#height,
        this.#geometry,
        y,
        this.#camera ?? IDENTITY_AFFINE,
        this.#mirror,
        this.row,
        this.scene,
      );
    }
  }
}
