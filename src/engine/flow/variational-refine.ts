/**
 * Variational refinement of a dense flow, after OpenCV's VariationalRefinement (itself after Brox et al. and
 * DeepFlow): minimises, for an increment (du, dv) around the current flow W,
 *   sum  delta * psi(brightness constancy) + gamma * psi(gradient constancy) + alpha * psi(|grad(W + dW)|^2)
 * with psi(s^2) = sqrt(s^2 + eps^2) and data terms normalised by the local gradient magnitude, by a few lagged
 * fixed-point iterations (robust weights frozen) each solved by a few SOR sweeps. The frames are warped once
 * per call; the patch stage already did the large steps, so this only polishes sub-pixel detail and edges.
 */

export interface RefineParams {
  readonly alpha: number;
  readonly delta: number;
  readonly gamma: number;
  readonly fixedPointIterations: number;
  readonly sorIterations: number;
}

const OMEGA = 1.6;
const ZETA2 = 0.01;
const EPS2 = 1e-6;

interface Terms {
  ix: Float32Array;
  iy: Float32Array;
  iz: Float32Array;
  ixx: Float32Array;
  ixy: Float32Array;
  iyy: Float32Array;
  ixz: Float32Array;
  iyz: Float32Array;
}

/** Central differences with replicated borders, at unit scale (intensity per pixel). */
function derivatives(
  src: Float32Array,
  w: number,
  h: number,
  dx: Float32Array | null,
  dy: Float32Array | null,
): void {
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const up = (y > 0 ? y - 1 : y) * w;
    const down = (y < h - 1 ? y + 1 : y) * w;
    const sy = y > 0 && y < h - 1 ? 0.5 : 1;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      if (dx !== null) {
        const l = x > 0 ? i - 1 : i;
        const r = x < w - 1 ? i + 1 : i;
        dx[i] = (src[r] - src[l]) * (x > 0 && x < w - 1 ? 0.5 : 1);
      }
      if (dy !== null) dy[i] = (src[down + x] - src[up + x]) * sy;
    }
  }
}

/** Warps `to` by the current flow once and takes every derivative the data terms need from it. */
function prepareTerms(
  i0: Float32Array,
  i1: Float32Array,
  w: number,
  h: number,
  u: Float32Array,
  v: Float32Array,
): Terms {
  const n = w * h;
  const average = new Float32Array(n);
  const iz = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let sx = x + u[i];
      let sy = y + v[i];
      sx = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
      sy = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = x0 < w - 1 ? x0 + 1 : x0;
      const y1 = y0 < h - 1 ? y0 + 1 : y0;
      const fx = sx - x0;
      const fy = sy - y0;
      const top = i1[y0 * w + x0] + (i1[y0 * w + x1] - i1[y0 * w + x0]) * fx;
      const bottom = i1[y1 * w + x0] + (i1[y1 * w + x1] - i1[y1 * w + x0]) * fx;
      const warped = top + (bottom - top) * fy;
      average[i] = 0.5 * (i0[i] + warped);
      iz[i] = warped - i0[i];
    }
  }
  const t: Terms = {
    ix: new Float32Array(n),
    iy: new Float32Array(n),
    iz,
    ixx: new Float32Array(n),
    ixy: new Float32Array(n),
    iyy: new Float32Array(n),
    ixz: new Float32Array(n),
    iyz: new Float32Array(n),
  };
  // Derivatives on the average of both frames, as OpenCV does: symmetric, and less biased at the warp's seams.
  derivatives(average, w, h, t.ix, t.iy);
  derivatives(t.ix, w, h, t.ixx, t.ixy);
  derivatives(t.iy, w, h, null, t.iyy);
  derivatives(iz, w, h, t.ixz, t.iyz);
  return t;
}

/** Coefficients of the per-pixel 2x2 system from the data terms, robust weights evaluated at (du, dv). */
function dataTerm(
  t: Terms,
  du: Float32Array,
  dv: Float32Array,
  p: RefineParams,
  a11: Float32Array,
  a12: Float32Array,
  a22: Float32Array,
  b1: Float32Array,
  b2: Float32Array,
): void {
  const delta2 = p.delta / 2;
  const gamma2 = p.gamma / 2;
  const { ix, iy, iz, ixx, ixy, iyy, ixz, iyz } = t;
  for (let i = 0; i < du.length; i++) {
    const gx = ix[i];
    const gy = iy[i];
    let norm = gx * gx + gy * gy + ZETA2;
    const e = iz[i] + gx * du[i] + gy * dv[i];
    let wgt = delta2 / Math.sqrt((e * e) / norm + EPS2) / norm;
    let c11 = wgt * gx * gx;
    let c12 = wgt * gx * gy;
    let c22 = wgt * gy * gy;
    let c1 = -wgt * iz[i] * gx;
    let c2 = -wgt * iz[i] * gy;
    const hxx = ixx[i];
    const hxy = ixy[i];
    const hyy = iyy[i];
    norm = hxx * hxx + hxy * hxy + ZETA2;
    const norm2 = hyy * hyy + hxy * hxy + ZETA2;
    const ex = ixz[i] + hxx * du[i] + hxy * dv[i];
    const ey = iyz[i] + hxy * du[i] + hyy * dv[i];
    wgt = gamma2 / Math.sqrt((ex * ex) / norm + (ey * ey) / norm2 + EPS2);
    const m1 = wgt / norm;
    const m2 = wgt / norm2;
    c11 += m1 * hxx * hxx + m2 * hxy * hxy;
    c12 += m1 * hxx * hxy + m2 * hxy * hyy;
    c22 += m1 * hxy * hxy + m2 * hyy * hyy;
    c1 -= m1 * hxx * ixz[i] + m2 * hxy * iyz[i];
    c2 -= m1 * hxy * ixz[i] + m2 * hyy * iyz[i];
    a11[i] = c11;
    a12[i] = c12;
    a22[i] = c22;
    b1[i] = c1;
    b2[i] = c2;
  }
}

/**
 * Robust smoothness weights of the links to the right (wh) and down (wv), from the gradient of W + dW, and
 * their pull on the right-hand side: the weighted divergence of the flow W itself.
 */
function smoothnessTerm(
  u: Float32Array,
  v: Float32Array,
  du: Float32Array,
  dv: Float32Array,
  w: number,
  h: number,
  alpha: number,
  wh: Float32Array,
  wv: Float32Array,
  b1: Float32Array,
  b2: Float32Array,
): void {
  const alpha2 = alpha / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const cu = u[i] + du[i];
      const cv = v[i] + dv[i];
      const hasRight = x < w - 1;
      const hasDown = y < h - 1;
      const ux = hasRight ? u[i + 1] + du[i + 1] - cu : 0;
      const vx = hasRight ? v[i + 1] + dv[i + 1] - cv : 0;
      const uy = hasDown ? u[i + w] + du[i + w] - cu : 0;
      const vy = hasDown ? v[i + w] + dv[i + w] - cv : 0;
      const weight = alpha2 / Math.sqrt(ux * ux + vx * vx + uy * uy + vy * vy + EPS2);
      wh[i] = hasRight ? weight : 0;
      wv[i] = hasDown ? weight : 0;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let s1 = 0;
      let s2 = 0;
      if (x < w - 1) {
        s1 += wh[i] * (u[i + 1] - u[i]);
        s2 += wh[i] * (v[i + 1] - v[i]);
      }
      if (x > 0) {
        s1 += wh[i - 1] * (u[i - 1] - u[i]);
        s2 += wh[i - 1] * (v[i - 1] - v[i]);
      }
      if (y < h - 1) {
        s1 += wv[i] * (u[i + w] - u[i]);
        s2 += wv[i] * (v[i + w] - v[i]);
      }
      if (y > 0) {
        s1 += wv[i - w] * (u[i - w] - u[i]);
        s2 += wv[i - w] * (v[i - w] - v[i]);
      }
      b1[i] += s1;
      b2[i] += s2;
    }
  }
}

interface System {
  a12: Float32Array;
  b1: Float32Array;
  b2: Float32Array;
  /** 1 / (A11 + sum of link weights) and 1 / (A22 + sum of link weights), fixed within a fixed-point step. */
  inv1: Float32Array;
  inv2: Float32Array;
}

/** Folds the link weights into the diagonal once per fixed-point step, so the sweeps only multiply. */
function diagonals(
  a11: Float32Array,
  a22: Float32Array,
  s: System,
  wh: Float32Array,
  wv: Float32Array,
  w: number,
): void {
  for (let i = 0; i < a11.length; i++) {
    const sum = wh[i] + wv[i] + (i % w > 0 ? wh[i - 1] : 0) + (i >= w ? wv[i - w] : 0);
    s.inv1[i] = 1 / (a11[i] + sum);
    s.inv2[i] = 1 / (a22[i] + sum);
  }
}

/** Relaxes one pixel; every neighbour index must be valid, missing links carry weight 0. */
function relax(
  du: Float32Array,
  dv: Float32Array,
  s: System,
  i: number,
  wr: number,
  wl: number,
  wd: number,
  wu: number,
  l: number,
  r: number,
  up: number,
  dn: number,
): void {
  const su = wr * du[r] + wl * du[l] + wd * du[dn] + wu * du[up];
  const sv = wr * dv[r] + wl * dv[l] + wd * dv[dn] + wu * dv[up];
  const a12 = s.a12[i];
  const nu = (s.b1[i] + su - a12 * dv[i]) * s.inv1[i];
  const cu = du[i] + OMEGA * (nu - du[i]);
  du[i] = cu;
  const nv = (s.b2[i] + sv - a12 * cu) * s.inv2[i];
  dv[i] += OMEGA * (nv - dv[i]);
}

/**
 * One Gauss-Seidel sweep with over-relaxation on the coupled (du, dv) system. Interior pixels take a branch-free
 * path; the border pixels clamp neighbour indices onto themselves, where the link weight is zero anyway.
 */
function sorSweep(
  du: Float32Array,
  dv: Float32Array,
  w: number,
  h: number,
  s: System,
  wh: Float32Array,
  wv: Float32Array,
): void {
  const { a12, b1, b2, inv1, inv2 } = s;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const interiorRow = y > 0 && y < h - 1;
    for (let x = 0; x < w; x++) {
      const i = row + x;
      if (interiorRow && x > 0 && x < w - 1) {
        const wr = wh[i];
        const wl = wh[i - 1];
        const wd = wv[i];
        const wu = wv[i - w];
        const su = wr * du[i + 1] + wl * du[i - 1] + wd * du[i + w] + wu * du[i - w];
        const sv = wr * dv[i + 1] + wl * dv[i - 1] + wd * dv[i + w] + wu * dv[i - w];
        const c12 = a12[i];
        const nu = (b1[i] + su - c12 * dv[i]) * inv1[i];
        const cu = du[i] + OMEGA * (nu - du[i]);
        du[i] = cu;
        const nv = (b2[i] + sv - c12 * cu) * inv2[i];
        dv[i] += OMEGA * (nv - dv[i]);
      } else {
        const l = x > 0 ? i - 1 : i;
        const up = y > 0 ? i - w : i;
        relax(
          du,
          dv,
          s,
          i,
          wh[i],
          x > 0 ? wh[i - 1] : 0,
          wv[i],
          y > 0 ? wv[i - w] : 0,
          l,
          x < w - 1 ? i + 1 : i,
          up,
          y < h - 1 ? i + w : i,
        );
      }
    }
  }
}

/** Refines the flow (u, v) of `i0` towards `i1` in place; all arrays are w x h, row-major. */
export function refineFlow(
  i0: Float32Array,
  i1: Float32Array,
  w: number,
  h: number,
  u: Float32Array,
  v: Float32Array,
  params: RefineParams,
): void {
  if (params.fixedPointIterations <= 0 || w < 2 || h < 2) return;
  const n = w * h;
  const terms = prepareTerms(i0, i1, w, h, u, v);
  const du = new Float32Array(n);
  const dv = new Float32Array(n);
  const a11 = new Float32Array(n);
  const a22 = new Float32Array(n);
  const system: System = {
    a12: new Float32Array(n),
    b1: new Float32Array(n),
    b2: new Float32Array(n),
    inv1: new Float32Array(n),
    inv2: new Float32Array(n),
  };
  const wh = new Float32Array(n);
  const wv = new Float32Array(n);
  for (let k = 0; k < params.fixedPointIterations; k++) {
    dataTerm(terms, du, dv, params, a11, system.a12, a22, system.b1, system.b2);
    smoothnessTerm(u, v, du, dv, w, h, params.alpha, wh, wv, system.b1, system.b2);
    diagonals(a11, a22, system, wh, wv, w);
    for (let s = 0; s < params.sorIterations; s++) sorSweep(du, dv, w, h, system, wh, wv);
  }
  for (let i = 0; i < n; i++) {
    u[i] += du[i];
    v[i] += dv[i];
  }
}
