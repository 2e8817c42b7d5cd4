import type { PatchFlows, SearchLevel } from './patch-grid.js';

/**
 * Weight of a whole patch in densification from how well its flow explains it: 1 while the RMS of its
 * mean-normalised error stays within `scale` times (RMS gradient + 1), falling with the square of the excess past
 * that. A patch straddling an occlusion or a motion edge cannot be matched by one translation, so its error is
 * high for its texture and it should not spread its compromise flow over the pixels it covers; a textured patch
 * is allowed proportionally more error, since sub-pixel misalignment alone costs it more. `scale` 0 turns it off.
 */
export function patchErrorWeight(rmsError: number, rmsGradient: number, scale: number): number {
  if (scale <= 0) return 1;
  const relative = rmsError / (scale * (rmsGradient + 1));
  return relative > 1 ? 1 / (relative * relative) : 1;
}

/**
 * Turns patch flows into a dense field: each pixel averages the flows of all patches covering it, each weighted
 * by 1 / max(1, |photometric error|) of that patch's flow at that pixel (mean-normalised per patch), so the
 * patch that explains a pixel best dominates it, which keeps motion edges sharper than a plain average; and by
 * {@link patchErrorWeight} of the patch as a whole, which takes occluded and edge-straddling patches out.
 */
export function densify(
  level: SearchLevel,
  flows: PatchFlows,
  outU: Float32Array,
  outV: Float32Array,
  errorScale = 0,
): void {
  const { width: w, height: h, border, i0, i1Padded: i1, gx, gy } = level;
  const pw = w + 2 * border;
  const n = flows.patchSize;
  const maxX = pw - n - 1;
  const maxY = h + 2 * border - n - 1;
  const weight = new Float32Array(w * h);
  const diff = new Float32Array(n * n);
  outU.fill(0);
  outV.fill(0);
  const { xs, ys, u, v } = flows;
  const cols = xs.length;
  for (let p = 0; p < u.length; p++) {
    const px = xs[p % cols];
    const py = ys[(p / cols) | 0];
    const pu = u[p];
    const pv = v[p];
    let x = px + pu + border;
    let y = py + pv + border;
    x = x < 0 ? 0 : x > maxX ? maxX : x;
    y = y < 0 ? 0 : y > maxY ? maxY : y;
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = x - ix;
    const fy = y - iy;
    const w00 = (1 - fx) * (1 - fy);
    const w01 = fx * (1 - fy);
    const w10 = (1 - fx) * fy;
    const w11 = fx * fy;
    let sum = 0;
    for (let r = 0, k = 0; r < n; r++) {
      let a = (iy + r) * pw + ix;
      let t = (py + r) * w + px;
      for (let c = 0; c < n; c++, a++, t++, k++) {
        const d = w00 * i1[a] + w01 * i1[a + 1] + w10 * i1[a + pw] + w11 * i1[a + pw + 1] - i0[t];
        diff[k] = d;
        sum += d;
      }
    }
    const mean = sum / (n * n);
    let patchW = 1;
    if (errorScale > 0) {
      let se = 0;
      let sg = 0;
      for (let r = 0, k = 0; r < n; r++) {
        let t = (py + r) * w + px;
        for (let c = 0; c < n; c++, t++, k++) {
          const d = diff[k] - mean;
          se += d * d;
          sg += gx[t] * gx[t] + gy[t] * gy[t];
        }
      }
      patchW = patchErrorWeight(Math.sqrt(se / (n * n)), Math.sqrt(sg / (n * n)), errorScale);
    }
    for (let r = 0, k = 0; r < n; r++) {
      let t = (py + r) * w + px;
      for (let c = 0; c < n; c++, t++, k++) {
        const e = Math.abs(diff[k] - mean);
        const c0 = (e > 1 ? 1 / e : 1) * patchW;
        weight[t] += c0;
        outU[t] += c0 * pu;
        outV[t] += c0 * pv;
      }
    }
  }
  for (let i = 0; i < w * h; i++) {
    const s = weight[i];
    if (s > 0) {
      outU[i] /= s;
      outV[i] /= s;
    }
  }
}
