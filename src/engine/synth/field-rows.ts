import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

/**
 * A 2x3 affine map [a, b, c, d, e, f] from output pixel (x, y) to scene pixel (a x + b y + c, d x + e y + f).
 * The camera layer uses it; the identity means no camera move.
 */
export type Affine = Float64Array;

export const IDENTITY_AFFINE: Affine = new Float64Array([1, 0, 0, 0, 1, 0]);

/**
 * True when every output row maps to one scene row with evenly spaced columns: no camera, or an axis-aligned
 * zoom, pan or squeeze (every move of the camera layer), and no mirrored edges. Such rows are drawn from the
 * fields row by row (the JavaScript's straight sampler, and the whole WebAssembly drawing).
 */
export function rowsStayStraight(camera: Affine | null, edges: 'clamp' | 'mirror' = 'clamp'): boolean {
  return edges !== 'mirror' && (camera === null || (camera[1] === 0 && camera[3] === 0));
}

/**
 * Where the pixels of one output row are, in frame pixel coordinates: column i sits at x = offset + step * i
 * and the row at y (plain luma rows: offset 0, step 1; chroma rows of 4:2:0: offset 0.5, step 2).
 */
export interface RowGeometry {
  readonly count: number;
  readonly offset: number;
  readonly step: number;
}

/**
 * Numbers per output column in a row plan: where it samples the start frame (x, y), the end frame (x, y), and
 * the start frame's share of the blend.
 */
export const PLAN_STRIDE = 5;

/** For each output column: the two field columns around it and the weight of the right one. */
export interface ColumnTable {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly weight: Float32Array;
}

/** Precomputes the horizontal field lookup of a row geometry, valid for every row of a frame without camera. */
export function columnTable(geometry: RowGeometry, frameWidth: number, fieldWidth: number): ColumnTable {
  const { count, offset, step } = geometry;
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  const weight = new Float32Array(count);
  const scale = fieldWidth / frameWidth;
  for (let i = 0; i < count; i++) {
    const fx = Math.min(fieldWidth - 1, Math.max(0, (offset + step * i + 0.5) * scale - 0.5));
    left[i] = fx | 0;
    right[i] = Math.min(fieldWidth - 1, left[i] + 1);
    weight[i] = fx - left[i];
  }
  return { left, right, weight };
}

/**
 * Fields for output rows without a camera. Output rows outnumber field rows (the fields are at the working
 * resolution), so each field row is resampled horizontally once and kept; every output pixel is then one
 * vertical mix of the two kept rows around it, done by the caller in its pixel loop.
 */
export class StraightRowSampler {
  readonly #fields: IntermediateFields;
  readonly #frameHeight: number;
  readonly #columns: ColumnTable;
  readonly #cache: Array<{ index: number; row: Float32Array }>;

  constructor(fields: IntermediateFields, frameWidth: number, frameHeight: number, geometry: RowGeometry) {
    this.#fields = fields;
    this.#frameHeight = frameHeight;
    this.#columns = columnTable(geometry, frameWidth, fields.width);
    const size = geometry.count * FIELD_CHANNELS;
    this.#cache = [
      { index: -1, row: new Float32Array(size) },
      { index: -1, row: new Float32Array(size) },
    ];
  }

  /** The resampled field rows above and below output row y. */
  top: Float32Array = new Float32Array(0);
  bottom: Float32Array = new Float32Array(0);
  /** Weight of `bottom` at output row y. */
  ay = 0;

  /** Points `top`, `bottom` and `ay` at output row y; the caller mixes them per pixel. */
  prepare(y: number): void {
    const fh = this.#fields.height;
    const fy = Math.min(fh - 1, Math.max(0, (y + 0.5) * (fh / this.#frameHeight) - 0.5));
    this.top = this.#resampled(fy | 0);
    this.bottom = this.#resampled(Math.min(fh - 1, (fy | 0) + 1));
    this.ay = fy - (fy | 0);
  }

  /**
   * Where each output column of row y samples the two keyframes and the start frame's share, into `plan` as 5
   * numbers per column (see {@link PLAN_STRIDE}), read straight from the fields: within the span of output
   * columns between two field columns the fields are one linear ramp, so its ends are mixed once per span
   * rather than once per pixel. `offset` and `step` place column i at x = offset + step * i, `vecX` and `vecY`
   * scale field vectors to frame pixels, and width, height are the frame's, for the border rule of startShare.
   */
  planRow(
    y: number,
    offset: number,
    step: number,
    vecX: number,
    vecY: number,
    width: number,
    height: number,
    plan: Float64Array,
  ): void {
    const { width: fw, height: fh, data } = this.#fields;
    const fy = Math.min(fh - 1, Math.max(0, (y + 0.5) * (fh / this.#frameHeight) - 0.5));
    const topRow = (fy | 0) * fw * FIELD_CHANNELS;
    const bottomRow = Math.min(fh - 1, (fy | 0) + 1) * fw * FIELD_CHANNELS;
    const ay = fy - (fy | 0);
    const { left, right, weight } = this.#columns;
    const count = left.length;
    // Span by span: the fields mixed vertically at the span's left field column (m) and their change to its
    // right one (d) are constants of the inner loop. (Kept as variables carried across one loop, V8 sometimes
    // chose a boxed representation for them and allocated a number per pixel: 2x the time, and GC.)
    for (let i = 0; i < count;) {
      const span = left[i];
      const a = topRow + span * FIELD_CHANNELS;
      const b = bottomRow + span * FIELD_CHANNELS;
      const c = topRow + right[i] * FIELD_CHANNELS;
      const e = bottomRow + right[i] * FIELD_CHANNELS;
      const m0 = data[a] + (data[b] - data[a]) * ay;
      const m1 = data[a + 1] + (data[b + 1] - data[a + 1]) * ay;
      const m2 = data[a + 2] + (data[b + 2] - data[a + 2]) * ay;
      const m3 = data[a + 3] + (data[b + 3] - data[a + 3]) * ay;
      const m4 = data[a + 4] + (data[b + 4] - data[a + 4]) * ay;
      const m5 = data[a + 5] + (data[b + 5] - data[a + 5]) * ay;
      const d0 = data[c] + (data[e] - data[c]) * ay - m0;
      const d1 = data[c + 1] + (data[e + 1] - data[c + 1]) * ay - m1;
      const d2 = data[c + 2] + (data[e + 2] - data[c + 2]) * ay - m2;
      const d3 = data[c + 3] + (data[e + 3] - data[c + 3]) * ay - m3;
      const d4 = data[c + 4] + (data[e + 4] - data[c + 4]) * ay - m4;
      const d5 = data[c + 5] + (data[e + 5] - data[c + 5]) * ay - m5;
      for (; i < count && left[i] === span; i++) {
        const k = i * PLAN_STRIDE;
        const w = weight[i];
        const sx = offset + step * i;
        const x0 = sx + (m0 + d0 * w) * vecX;
        const y0 = y + (m1 + d1 * w) * vecY;
        const x1 = sx + (m2 + d2 * w) * vecX;
        const y1 = y + (m3 + d3 * w) * vecY;
        plan[k] = x0;
        plan[k + 1] = y0;
        plan[k + 2] = x1;
        plan[k + 3] = y1;
        // startShare, written out: as a call that V8 does not inline (this loop is long) it returns a boxed
        // double per pixel, and the garbage costs more than the arithmetic.
        let w0 = m4 + d4 * w;
        let w1 = m5 + d5 * w;
        const out0 = x0 < -1 || y0 < -1 || x0 > width || y0 > height;
        const out1 = x1 < -1 || y1 < -1 || x1 > width || y1 > height;
        if (out0 !== out1) {
          if (out0) w0 *= OUTSIDE_WEIGHT;
          else w1 *= OUTSIDE_WEIGHT;
        }
        const total = w0 + w1;
        plan[k + 4] = total > 0 ? w0 / total : 1;
      }
    }
  }

  /** Field row `index` resampled to the output columns, from the two-entry cache when it is there. */
  #resampled(index: number): Float32Array {
    for (const entry of this.#cache) if (entry.index === index) return entry.row;
    // Rows are asked for in increasing order, so the entry with the lower index is the one to replace.
    const entry = this.#cache[0].index < this.#cache[1].index ? this.#cache[0] : this.#cache[1];
    entry.index = index;
    const { width: fw, data } = this.#fields;
    const { left, right, weight } = this.#columns;
    const base = index * fw * FIELD_CHANNELS;
    const out = entry.row;
    for (let i = 0; i < left.length; i++) {
      const l = base + left[i] * FIELD_CHANNELS;
      const r = base + right[i] * FIELD_CHANNELS;
      const a = weight[i];
      const k = i * FIELD_CHANNELS;
      out[k] = data[l] + (data[r] - data[l]) * a;
      out[k + 1] = data[l + 1] + (data[r + 1] - data[l + 1]) * a;
      out[k + 2] = data[l + 2] + (data[r + 2] - data[l + 2]) * a;
      out[k + 3] = data[l + 3] + (data[r + 3] - data[l + 3]) * a;
      out[k + 4] = data[l + 4] + (data[r + 4] - data[l + 4]) * a;
      out[k + 5] = data[l + 5] + (data[r + 5] - data[l + 5]) * a;
    }
    return out;
  }
}

/** Fields for one output row through the camera: each pixel's scene point, and a bilinear lookup there. */
export function sampleRowThroughCamera(
  fields: IntermediateFields,
  frameWidth: number,
  frameHeight: number,
  geometry: RowGeometry,
  y: number,
  camera: Affine,
  mirror: boolean,
  row: Float32Array,
  scene: Float32Array,
): void {
  const { width: fw, height: fh, data } = fields;
  const scaleX = fw / frameWidth;
  const scaleY = fh / frameHeight;
  const m = camera;
  for (let i = 0; i < geometry.count; i++) {
    const x = geometry.offset + geometry.step * i;
    let px = m[0] * x + m[1] * y + m[2];
    let py = m[3] * x + m[4] * y + m[5];
    if (mirror) {
      px = reflect(px, frameWidth);
      py = reflect(py, frameHeight);
    }
    scene[2 * i] = px;
    scene[2 * i + 1] = py;
    const fx = Math.min(fw - 1, Math.max(0, (px + 0.5) * scaleX - 0.5));
    const fy = Math.min(fh - 1, Math.max(0, (py + 0.5) * scaleY - 0.5));
    const x0 = fx | 0;
    const y0 = fy | 0;
    const x1 = x0 + 1 < fw ? x0 + 1 : x0;
    const y1 = y0 + 1 < fh ? y0 + 1 : y0;
    const ax = fx - x0;
    const ay = fy - y0;
    const w00 = (1 - ax) * (1 - ay);
    const w01 = ax * (1 - ay);
    const w10 = (1 - ax) * ay;
    const w11 = ax * ay;
    const tl = (y0 * fw + x0) * FIELD_CHANNELS;
    const tr = (y0 * fw + x1) * FIELD_CHANNELS;
    const bl = (y1 * fw + x0) * FIELD_CHANNELS;
    const br = (y1 * fw + x1) * FIELD_CHANNELS;
    const k = i * FIELD_CHANNELS;
    row[k] = w00 * data[tl] + w01 * data[tr] + w10 * data[bl] + w11 * data[br];
    row[k + 1] = w00 * data[tl + 1] + w01 * data[tr + 1] + w10 * data[bl + 1] + w11 * data[br + 1];
    row[k + 2] = w00 * data[tl + 2] + w01 * data[tr + 2] + w10 * data[bl + 2] + w11 * data[br + 2];
    row[k + 3] = w00 * data[tl + 3] + w01 * data[tr + 3] + w10 * data[bl + 3] + w11 * data[br + 3];
    row[k + 4] = w00 * data[tl + 4] + w01 * data[tr + 4] + w10 * data[bl + 4] + w11 * data[br + 4];
    row[k + 5] = w00 * data[tl + 5] + w01 * data[tr + 5] + w10 * data[bl + 5] + w11 * data[br + 5];
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

/**
 * The start frame's share of the blend at one pixel, from the field weights, with the rule that a keyframe
 * whose motion carries the pixel outside its borders does not see it (content entering or leaving the frame):
 * its clamped border colour would smear, so the other keyframe takes the pixel.
 */
export function startShare(
  w0: number,
  w1: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
): number {
  const out0 = x0 < -1 || y0 < -1 || x0 > width || y0 > height;
  const out1 = x1 < -1 || y1 < -1 || x1 > width || y1 > height;
  if (out0 !== out1) {
    if (out0) w0 *= OUTSIDE_WEIGHT;
    else w1 *= OUTSIDE_WEIGHT;
  }
  const total = w0 + w1;
  return total > 0 ? w0 / total : 1;
}
