import type { SearchLevel } from './patch-grid.js';

/**
 * Inverse-compositional Gauss-Newton alignment of one patch of `from` against `to`, with mean-normalised
 * differences so that a brightness offset between the frames does not pull the patch. Kept as a class with
 * scalar fields so the hot loop touches no allocation and V8 keeps every access monomorphic.
 */
export class PatchAligner {
  readonly #i0: Float32Array;
  readonly #gx: Float32Array;
  readonly #gy: Float32Array;
  readonly #i1: Float32Array;
  readonly #width: number;
  readonly #stride: number;
  readonly #border: number;
  readonly #size: number;
  readonly #maxX: number;
  readonly #maxY: number;
  /** Sums of the last evaluation: difference, difference times x and y gradient. */
  #sumD = 0;
  #sumDx = 0;
  #sumDy = 0;
  /** Per-patch template sums, set by prepare(). */
  #sx = 0;
  #sy = 0;
  #ixx = 0;
  #ixy = 0;
  #iyy = 0;
  /** Where the last placement (`#place`) put the patch: top-left of its bilinear footprint and the four weights. */
  #ix = 0;
  #iy = 0;
  #w00 = 0;
  #w01 = 0;
  #w10 = 0;
  #w11 = 0;
  /** Result of the last descend(). */
  u = 0;
  v = 0;
  cost = 0;

  constructor(level: SearchLevel, patchSize: number) {
    this.#i0 = level.i0;
    this.#gx = level.gx;
    this.#gy = level.gy;
    this.#i1 = level.i1Padded;
    this.#width = level.width;
    this.#border = level.border;
    this.#stride = level.width + 2 * level.border;
    this.#size = patchSize;
    // Keep the whole bilinear footprint (patch plus one pixel) inside the padded image.
    this.#maxX = this.#stride - patchSize - 1;
    this.#maxY = level.height + 2 * level.border - patchSize - 1;
  }

  /** Caches the template gradient sums and the inverse of the mean-normalised 2x2 Hessian of one patch. */
  prepare(px: number, py: number): void {
    const n = this.#size;
    const w = this.#width;
    const gx = this.#gx;
    const gy = this.#gy;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    for (let r = 0; r < n; r++) {
      let t = (py + r) * w + px;
      for (let c = 0; c < n; c++, t++) {
        const a = gx[t];
        const b = gy[t];
        sx += a;
        sy += b;
        sxx += a * a;
        sxy += a * b;
        syy += b * b;
      }
    }
    const count = n * n;
    // Mean normalisation removes the gradient mean from the template, hence the centred second moments.
    const hxx = sxx - (sx * sx) / count;
    const hxy = sxy - (sx * sy) / count;
    const hyy = syy - (sy * sy) / count;
    // A flat or one-dimensional patch has a (near) singular Hessian; the ridge keeps its step finite and small.
    const ridge = 1e-3 * (hxx + hyy) + 1e-2;
    const axx = hxx + ridge;
    const ayy = hyy + ridge;
    const det = axx * ayy - hxy * hxy;
    this.#ixx = ayy / det;
    this.#ixy = -hxy / det;
    this.#iyy = axx / det;
    this.#sx = sx;
    this.#sy = sy;
  }

  /** Places the patch at (px, py) displaced by (u, v), clamped inside the padded image, for a cost loop. */
  #place(px: number, py: number, u: number, v: number): void {
    let x = px + u + this.#border;
    let y = py + v + this.#border;
    x = x < 0 ? 0 : x > this.#maxX ? this.#maxX : x;
    y = y < 0 ? 0 : y > this.#maxY ? this.#maxY : y;
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = x - ix;
    const fy = y - iy;
    this.#ix = ix;
    this.#iy = iy;
    this.#w00 = (1 - fx) * (1 - fy);
    this.#w01 = fx * (1 - fy);
    this.#w10 = (1 - fx) * fy;
    this.#w11 = fx * fy;
  }

  /** Mean-normalised SSD of the patch at (px, py) displaced by (u, v); also leaves the sums for a step. */
  evaluate(px: number, py: number, u: number, v: number): number {
    const n = this.#size;
    const w = this.#width;
    const pw = this.#stride;
    this.#place(px, py, u, v);
    const ix = this.#ix;
    const iy = this.#iy;
    const w00 = this.#w00;
    const w01 = this.#w01;
    const w10 = this.#w10;
    const w11 = this.#w11;
    const i0 = this.#i0;
    const i1 = this.#i1;
    const gx = this.#gx;
    const gy = this.#gy;
    let sd = 0;
    let sd2 = 0;
    let sdx = 0;
    let sdy = 0;
    for (let r = 0; r < n; r++) {
      let a = (iy + r) * pw + ix;
      let t = (py + r) * w + px;
      for (let c = 0; c < n; c++, a++, t++) {
        const d = w00 * i1[a] + w01 * i1[a + 1] + w10 * i1[a + pw] + w11 * i1[a + pw + 1] - i0[t];
        sd += d;
        sd2 += d * d;
        sdx += d * gx[t];
        sdy += d * gy[t];
      }
    }
    this.#sumD = sd;
    this.#sumDx = sdx;
    this.#sumDy = sdy;
    return sd2 - (sd * sd) / (n * n);
  }

  /**
   * The cost of {@link evaluate} alone, without the sums a Gauss-Newton step needs: what the propagation's
   * candidates are compared by. Same arithmetic in the same order, so the same cost to the bit.
   */
  costAt(px: number, py: number, u: number, v: number): number {
    const n = this.#size;
    const w = this.#width;
    const pw = this.#stride;
    this.#place(px, py, u, v);
    const ix = this.#ix;
    const iy = this.#iy;
    const w00 = this.#w00;
    const w01 = this.#w01;
    const w10 = this.#w10;
    const w11 = this.#w11;
    const i0 = this.#i0;
    const i1 = this.#i1;
    let sd = 0;
    let sd2 = 0;
    for (let r = 0; r < n; r++) {
      let a = (iy + r) * pw + ix;
      let t = (py + r) * w + px;
      for (let c = 0; c < n; c++, a++, t++) {
        const d = w00 * i1[a] + w01 * i1[a + 1] + w10 * i1[a + pw] + w11 * i1[a + pw + 1] - i0[t];
        sd += d;
        sd2 += d * d;
      }
    }
    return sd2 - (sd * sd) / (n * n);
  }

  /**
   * The cost at a whole-pixel displacement, for the brute-force searches that try hundreds of them a patch: no
   * interpolation to do there. At integer (u, v) the bilinear weights are 1, 0, 0, 0 and the luma is finite and
   * non-negative, so this is {@link costAt} to the bit at a quarter of the loads.
   */
  integerCostAt(px: number, py: number, u: number, v: number): number {
    const n = this.#size;
    const w = this.#width;
    const pw = this.#stride;
    this.#place(px, py, u, v);
    const x = this.#ix;
    const y = this.#iy;
    const i0 = this.#i0;
    const i1 = this.#i1;
    let sd = 0;
    let sd2 = 0;
    for (let r = 0; r < n; r++) {
      let a = (y + r) * pw + x;
      let t = (py + r) * w + px;
      for (let c = 0; c < n; c++, a++, t++) {
        const d = i1[a] - i0[t];
        sd += d;
        sd2 += d * d;
      }
    }
    return sd2 - (sd * sd) / (n * n);
  }

  /**
   * Runs up to `iterations` Gauss-Newton steps from (u, v) on the prepared patch, keeping the lowest-cost
   * estimate; stops early when a step no longer lowers the cost or becomes tiny. A result that wandered more
   * than a patch away from its start is distrusted (OpenCV does the same) and the start is kept instead.
   */
  descend(px: number, py: number, u0: number, v0: number, iterations: number): void {
    const count = this.#size * this.#size;
    const minU = -this.#border - px;
    const maxU = this.#maxX - this.#border - px;
    const minV = -this.#border - py;
    const maxV = this.#maxY - this.#border - py;
    let u = u0;
    let v = v0;
    let best = this.evaluate(px, py, u, v);
    const startCost = best;
    let bu = u;
    let bv = v;
    for (let k = 0; k < iterations; k++) {
      const mean = this.#sumD / count;
      const bx = this.#sumDx - this.#sx * mean;
      const by = this.#sumDy - this.#sy * mean;
      const du = this.#ixx * bx + this.#ixy * by;
      const dv = this.#ixy * bx + this.#iyy * by;
      u -= du;
      v -= dv;
      u = u < minU ? minU : u > maxU ? maxU : u;
      v = v < minV ? minV : v > maxV ? maxV : v;
      const cost = this.evaluate(px, py, u, v);
      if (cost >= best) break;
      best = cost;
      bu = u;
      bv = v;
      if (du * du + dv * dv < 1e-4) break;
    }
    const limit = this.#size * this.#size;
    if ((bu - u0) * (bu - u0) + (bv - v0) * (bv - v0) > limit) {
      bu = u0;
      bv = v0;
      best = startCost;
    }
    this.u = bu;
    this.v = bv;
    this.cost = best;
  }
}
