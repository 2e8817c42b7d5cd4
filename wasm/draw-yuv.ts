// AssemblyScript: the yuv420p drawing of src/engine/synth/render-frame-yuv.ts, for frames whose camera maps
// output rows to scene rows (no camera, or an axis-aligned zoom, pan or squeeze). Built by wasm/build.mjs into
// src/engine/synth/wasm/draw-yuv-wasm.ts; test/wasm-build.test.ts rebuilds it and compares the bytes.
//
// Same steps as the JavaScript, reordered for SIMD: each field row is resampled to the output columns once
// (planar, a channel per run of floats) and kept while the output rows between it and the next use it; every
// output row is then four pixels at a time: the vertical mix of two kept rows, both sample points, the blend
// share with its border rule, and the bilinear weights. Only the byte lookups in the keyframes are per pixel.
//
// Memory is laid out by the caller (src/engine/synth/wasm-drawer.ts); every pointer is a byte offset.

/** What is left of a keyframe's weight where its sample falls outside the frame (OUTSIDE_WEIGHT in JS). */
const OUTSIDE_WEIGHT: f32 = 1e-3;
const FIELD_CHANNELS = 6;

/**
 * Where each of `padded` output columns at x = offset + step * i reads a field row: byte offsets of the field
 * columns left and right of it within a row, and the right one's weight; 12 bytes a column, into `columns`.
 * The same for every field row, so computed once per plane.
 */
function columnTable(fw: i32, padded: i32, offset: f64, step: f64, scale: f64, columns: usize): void {
  const last = <f64>(fw - 1);
  for (let i = 0; i < padded; i++) {
    const fx = Math.min(last, Math.max(0, (offset + step * <f64>i + 0.5) * scale - 0.5));
    const l = <i32>fx;
    const at = columns + <usize>i * 12;
    store<i32>(at, l * FIELD_CHANNELS * 4);
    store<i32>(at, (l < fw - 1 ? l + 1 : l) * FIELD_CHANNELS * 4, 4);
    store<f32>(at, <f32>(fx - <f64>l), 8);
  }
}

/** Field row `index` resampled horizontally to the output columns of `columns`, planar: a channel per run. */
function resampleRow(fields: usize, fw: i32, index: i32, padded: i32, columns: usize, into: usize): void {
  const base = fields + <usize>(index * fw * FIELD_CHANNELS) * 4;
  const plane = <usize>padded * 4;
  for (let i = 0; i < padded; i++) {
    const at = columns + <usize>i * 12;
    const pl = base + <usize>load<i32>(at);
    const pr = base + <usize>load<i32>(at, 4);
    const w = load<f32>(at, 8);
    // Channels 0..3 (both vectors) four at a time, the two weights alone.
    const l4 = v128.load(pl);
    const mixed = f32x4.add(l4, f32x4.mul(f32x4.sub(v128.load(pr), l4), f32x4.splat(w)));
    const o = into + <usize>i * 4;
    store<f32>(o, f32x4.extract_lane(mixed, 0));
    store<f32>(o + plane, f32x4.extract_lane(mixed, 1));
    store<f32>(o + 2 * plane, f32x4.extract_lane(mixed, 2));
    store<f32>(o + 3 * plane, f32x4.extract_lane(mixed, 3));
    let v = load<f32>(pl, 16);
    store<f32>(o + 4 * plane, v + (load<f32>(pr, 16) - v) * w);
    v = load<f32>(pl, 20);
    store<f32>(o + 5 * plane, v + (load<f32>(pr, 20) - v) * w);
  }
}

/** Per-row state shared by {@link drawFrame}'s passes: which field rows the two cache slots hold. */
let slotRow0: i32 = -1;
let slotRow1: i32 = -1;

/** The cache slot holding field row `index`, resampling it into the older slot when neither has it. */
function cachedRow(
  fields: usize,
  fw: i32,
  index: i32,
  padded: i32,
  columns: usize,
  cache: usize,
): usize {
  const slotBytes = <usize>(padded * FIELD_CHANNELS) * 4;
  if (slotRow0 == index) return cache;
  if (slotRow1 == index) return cache + slotBytes;
  // Rows are asked for in increasing order, so the slot with the lower row is the one to replace.
  if (slotRow0 < slotRow1) {
    slotRow0 = index;
    resampleRow(fields, fw, index, padded, columns, cache);
    return cache;
  }
  slotRow1 = index;
  resampleRow(fields, fw, index, padded, columns, cache + slotBytes);
  return cache + slotBytes;
}

/**
 * One output row of `count` samples, columns at scene x = offset + step * i, row at scene y = rowY, from the
 * resampled field rows `top` and `bottom` mixed by `ay`. Luma writes `out`; chroma (`chroma`) writes the U and V
 * planes at `out` within each, sampling the keyframes' chroma planes (sample c sits at luma 2c + 0.5).
 */
function drawRow(
  start: usize,
  end: usize,
  out: usize,
  width: i32,
  height: i32,
  fw: i32,
  fh: i32,
  top: usize,
  bottom: usize,
  ay: f32,
  padded: i32,
  count: i32,
  offset: f64,
  step: f64,
  rowY: f64,
  chroma: bool,
  lanes: usize,
): void {
  const plane = <usize>padded * 4;
  const pw = chroma ? width >> 1 : width;
  const ph = chroma ? height >> 1 : height;
  const uBase: usize = chroma ? <usize>(width * height) : 0;
  const vBase: usize = uBase + <usize>(pw * ph);
  const vAy = f32x4.splat(ay);
  const vecX = f32x4.splat(<f32>(<f64>width / <f64>fw));
  const vecY = f32x4.splat(<f32>(<f64>height / <f64>fh));
  const y = f32x4.splat(<f32>rowY);
  const minusOne = f32x4.splat(-1);
  const fW = f32x4.splat(<f32>width);
  const fH = f32x4.splat(<f32>height);
  const outside = f32x4.splat(OUTSIDE_WEIGHT);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const half = f32x4.splat(0.5);
  const maxX = f32x4.splat(<f32>(pw - 1));
  const maxY = f32x4.splat(<f32>(ph - 1));
  const lastX = i32x4.splat(pw - 2);
  const lastY = i32x4.splat(ph - 2);
  const rowStride = i32x4.splat(pw);
  const lanePositions = f32x4(0, 1, 2, 3);
  for (let i = 0; i < count; i += 4) {
    const o = <usize>i * 4;
    // Scene x of the four columns, in f64 first as the JavaScript computes it, then to f32.
    const sx = f32x4.add(
      f32x4.splat(<f32>(offset + step * <f64>i)),
      f32x4.mul(lanePositions, f32x4.splat(<f32>step)),
    );
    const x0 = f32x4.add(sx, f32x4.mul(mix(top, bottom, o, vAy), vecX));
    const y0 = f32x4.add(y, f32x4.mul(mix(top + plane, bottom + plane, o, vAy), vecY));
    const x1 = f32x4.add(sx, f32x4.mul(mix(top + 2 * plane, bottom + 2 * plane, o, vAy), vecX));
    const y1 = f32x4.add(y, f32x4.mul(mix(top + 3 * plane, bottom + 3 * plane, o, vAy), vecY));
    let w0 = mix(top + 4 * plane, bottom + 4 * plane, o, vAy);
    let w1 = mix(top + 5 * plane, bottom + 5 * plane, o, vAy);
    // A keyframe whose motion carries the pixel outside its borders does not see it (startShare in JS).
    const out0 = v128.or(
      v128.or(f32x4.lt(x0, minusOne), f32x4.lt(y0, minusOne)),
      v128.or(f32x4.gt(x0, fW), f32x4.gt(y0, fH)),
    );
    const out1 = v128.or(
      v128.or(f32x4.lt(x1, minusOne), f32x4.lt(y1, minusOne)),
      v128.or(f32x4.gt(x1, fW), f32x4.gt(y1, fH)),
    );
    w0 = v128.bitselect(f32x4.mul(w0, outside), w0, v128.andnot(out0, out1));
    w1 = v128.bitselect(f32x4.mul(w1, outside), w1, v128.andnot(out1, out0));
    const total = f32x4.add(w0, w1);
    const share = v128.bitselect(f32x4.div(w0, total), one, f32x4.gt(total, zero));
    const keep = f32x4.sub(one, share);
    // Sample points in the plane's own coordinates, clamped, split into index and bilinear weights.
    let px0 = x0;
    let py0 = y0;
    let px1 = x1;
    let py1 = y1;
    if (chroma) {
      px0 = f32x4.mul(f32x4.sub(x0, half), half);
      py0 = f32x4.mul(f32x4.sub(y0, half), half);
      px1 = f32x4.mul(f32x4.sub(x1, half), half);
      py1 = f32x4.mul(f32x4.sub(y1, half), half);
    }
    // The top-left neighbour stops one short of the last column and row, with weight 1 there: the same
    // value as the clamped lookup, and the 2x2 neighbourhood is always inside the plane.
    const cx0 = clampTo(px0, maxX);
    const cy0 = clampTo(py0, maxY);
    const ix0 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(cx0), lastX);
    const iy0 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(cy0), lastY);
    const ax0 = f32x4.sub(cx0, f32x4.convert_i32x4_s(ix0));
    const ay0 = f32x4.sub(cy0, f32x4.convert_i32x4_s(iy0));
    const p = i32x4.add(i32x4.mul(iy0, rowStride), ix0);
    const cx1 = clampTo(px1, maxX);
    const cy1 = clampTo(py1, maxY);
    const ix1 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(cx1), lastX);
    const iy1 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(cy1), lastY);
    const ax1 = f32x4.sub(cx1, f32x4.convert_i32x4_s(ix1));
    const ay1 = f32x4.sub(cy1, f32x4.convert_i32x4_s(iy1));
    const q = i32x4.add(i32x4.mul(iy1, rowStride), ix1);
    const at = out + <usize>i;
    const n = count - i;
    if (!chroma) {
      const v0 = bilinear4(start, p, pw, ax0, ay0);
      const v1 = bilinear4(end, q, pw, ax1, ay1);
      storeBytes(at, f32x4.add(f32x4.add(f32x4.mul(share, v0), f32x4.mul(keep, v1)), half), n, lanes);
    } else {
      let v0 = bilinear4(start + uBase, p, pw, ax0, ay0);
      let v1 = bilinear4(end + uBase, q, pw, ax1, ay1);
      storeBytes(at + uBase, f32x4.add(f32x4.add(f32x4.mul(share, v0), f32x4.mul(keep, v1)), half), n, lanes);
      v0 = bilinear4(start + vBase, p, pw, ax0, ay0);
      v1 = bilinear4(end + vBase, q, pw, ax1, ay1);
      storeBytes(at + vBase, f32x4.add(f32x4.add(f32x4.mul(share, v0), f32x4.mul(keep, v1)), half), n, lanes);
    }
  }
}

// @ts-ignore: decorator
@inline
function clampTo(v: v128, max: v128): v128 {
  return f32x4.pmin(max, f32x4.pmax(f32x4.splat(0), v));
}

/**
 * Bilinear samples of a plane (`stride` bytes a row) at four points: top-left indices `p`, weights `ax`, `ay`.
 * Each row pair of neighbours is one 16-bit load (left byte low, right byte high).
 */
// @ts-ignore: decorator
@inline
function bilinear4(plane: usize, p: v128, stride: i32, ax: v128, ay: v128): v128 {
  const a0 = plane + <usize>i32x4.extract_lane(p, 0);
  const a1 = plane + <usize>i32x4.extract_lane(p, 1);
  const a2 = plane + <usize>i32x4.extract_lane(p, 2);
  const a3 = plane + <usize>i32x4.extract_lane(p, 3);
  const down = <usize>stride;
  // Two independent chains of lane loads (the upper and the lower row pairs), which the CPU runs side by side,
  // instead of one chain of eight, each load waiting on the one before it.
  let upperPairs = v128.load16_lane(a0, i16x8.splat(0), 0);
  let lowerPairs = v128.load16_lane(a0 + down, i16x8.splat(0), 0);
  upperPairs = v128.load16_lane(a1, upperPairs, 1);
  lowerPairs = v128.load16_lane(a1 + down, lowerPairs, 1);
  upperPairs = v128.load16_lane(a2, upperPairs, 2);
  lowerPairs = v128.load16_lane(a2 + down, lowerPairs, 2);
  upperPairs = v128.load16_lane(a3, upperPairs, 3);
  lowerPairs = v128.load16_lane(a3 + down, lowerPairs, 3);
  const upper = i32x4.extend_low_i16x8_u(upperPairs);
  const lower = i32x4.extend_low_i16x8_u(lowerPairs);
  const bytes = i32x4.splat(255);
  const tl = f32x4.convert_i32x4_s(v128.and(upper, bytes));
  const tr = f32x4.convert_i32x4_s(i32x4.shr_u(upper, 8));
  const bl = f32x4.convert_i32x4_s(v128.and(lower, bytes));
  const br = f32x4.convert_i32x4_s(i32x4.shr_u(lower, 8));
  const top = f32x4.add(tl, f32x4.mul(f32x4.sub(tr, tl), ax));
  const bottom = f32x4.add(bl, f32x4.mul(f32x4.sub(br, bl), ax));
  return f32x4.add(top, f32x4.mul(f32x4.sub(bottom, top), ay));
}

/** Truncates four values (0..255.5) to bytes at `at`; only the first `n` when fewer are left in the row. */
// @ts-ignore: decorator
@inline
function storeBytes(at: usize, v: v128, n: i32, lanes: usize): void {
  const words = i32x4.trunc_sat_f32x4_s(v);
  const packed = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(words, words), i16x8.splat(0));
  if (n >= 4) {
    v128.store32_lane(at, packed, 0);
    return;
  }
  v128.store(lanes, packed);
  for (let k = 0; k < n; k++) store<u8>(at + <usize>k, load<u8>(lanes + <usize>k));
}

// @ts-ignore: decorator
@inline
function mix(top: usize, bottom: usize, o: usize, ay: v128): v128 {
  const a = v128.load(top + o);
  return f32x4.add(a, f32x4.mul(f32x4.sub(v128.load(bottom + o), a), ay));
}

/** Output rows of one plane pass: luma (count = width) or chroma (count = width / 2, rows at 2c + 0.5). */
function drawPlane(
  start: usize,
  end: usize,
  out: usize,
  width: i32,
  height: i32,
  fields: usize,
  fw: i32,
  fh: i32,
  cache: usize,
  lanes: usize,
  m0: f64,
  m2: f64,
  m4: f64,
  m5: f64,
  chroma: bool,
): void {
  const count = chroma ? width >> 1 : width;
  const rows = chroma ? height >> 1 : height;
  const padded = (count + 3) & ~3;
  const offset = chroma ? m0 * 0.5 + m2 : m2;
  const step = chroma ? m0 * 2 : m0;
  const scale = <f64>fw / <f64>width;
  const columns = cache + <usize>(2 * padded * FIELD_CHANNELS) * 4;
  columnTable(fw, padded, offset, step, scale, columns);
  slotRow0 = -1;
  slotRow1 = -1;
  for (let r = 0; r < rows; r++) {
    const rowY = chroma ? m4 * (2 * <f64>r + 0.5) + m5 : m4 * <f64>r + m5;
    const fy = Math.min(<f64>(fh - 1), Math.max(0, (rowY + 0.5) * (<f64>fh / <f64>height) - 0.5));
    const t = <i32>fy;
    const b = t < fh - 1 ? t + 1 : t;
    const topRow = cachedRow(fields, fw, t, padded, columns, cache);
    const bottomRow = cachedRow(fields, fw, b, padded, columns, cache);
    const at = out + <usize>(r * count);
    drawRow(start, end, at, width, height, fw, fh, topRow, bottomRow, <f32>(fy - <f64>t), padded, count, offset, step, rowY, chroma, lanes);
  }
}

/**
 * Draws a whole yuv420p frame into `out` from the keyframes `start` and `end` (width x height, yuv420p) and the
 * fields at `fields` (fw x fh x 6 floats), through a camera that maps output (x, y) to scene
 * (m0 x + m2, m4 y + m5). `scratch` holds lane values, two resampled field rows and a column table:
 * {@link scratchBytes}(width) bytes.
 */
export function drawFrame(
  start: usize,
  end: usize,
  out: usize,
  width: i32,
  height: i32,
  fields: usize,
  fw: i32,
  fh: i32,
  scratch: usize,
  m0: f64,
  m2: f64,
  m4: f64,
  m5: f64,
): void {
  const lanes = scratch;
  const cache = scratch + 256;
  drawPlane(start, end, out, width, height, fields, fw, fh, cache, lanes, m0, m2, m4, m5, false);
  drawPlane(start, end, out, width, height, fields, fw, fh, cache, lanes, m0, m2, m4, m5, true);
}

/** Bytes of scratch {@link drawFrame} needs for frames `width` pixels wide. */
export function scratchBytes(width: i32): i32 {
  return 256 + ((width + 3) & ~3) * (2 * FIELD_CHANNELS * 4 + 12);
}
