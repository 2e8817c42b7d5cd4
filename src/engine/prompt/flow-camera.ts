import { computeFlow, flowConfidence } from '../flow/index.js';
import { identityHomography, invertHomography } from '../motion/index.js';
import type { FlowField, Homography, Plane } from '../raster/types.js';

/** Dense motion between two working copies, with the forward-backward confidence of each pixel. */
export interface DenseMotion {
  readonly forward: FlowField;
  readonly confidence: Plane;
}

/** Confidence a pixel needs before its flow is trusted. */
export const MIN_CONFIDENCE = 0.5;
/** A similarity fitted to fewer trusted pixels than this share of the frame is not a camera move. */
const MIN_SUPPORT = 0.1;

/** Forward and backward flow from the global motion (or none), and their consistency. */
export function denseMotion(from: Plane, to: Plane, homography: Homography | null): DenseMotion {
  const h = homography ?? identityHomography();
  const forward = computeFlow(from, to, { initialHomography: h, preset: 'fast' });
  const backward = computeFlow(to, from, { initialHomography: invertHomography(h), preset: 'fast' });
  return { forward, confidence: flowConfidence(forward, backward) };
}

/**
 * A camera move read off dense flow when sparse features find no homography, as with parallax when the
 * camera travels through a scene: a least-squares similarity (shift, zoom, roll) over the trusted pixels,
 * refitted once without the pixels it explains worst, so moving subjects do not drag it. Returns a
 * homography in the flow's pixels, or null when too little of the frame is trusted.
 */
export function similarityFromFlow(motion: DenseMotion): Homography | null {
  const { forward, confidence } = motion;
  const { width, height } = forward;
  const n = width * height;
  const keep = new Uint8Array(n);
  let trusted = 0;
  for (let i = 0; i < n; i++) {
    if (confidence.data[i] >= MIN_CONFIDENCE) {
      keep[i] = 1;
      trusted++;
    }
  }
  if (trusted / n < MIN_SUPPORT) return null;
  let fit = fitSimilarity(forward, keep);
  const residuals: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) residuals.push(residual(fit, forward, i));
  residuals.sort((a, b) => a - b);
  const bound = 2 * residuals[Math.floor(residuals.length / 2)] + 0.5;
  for (let i = 0; i < n; i++) if (keep[i] && residual(fit, forward, i) > bound) keep[i] = 0;
  fit = fitSimilarity(forward, keep);
  return fit;
}

/** Closed-form least squares for u = a x' - b y' + tx, v = b x' + a y' + ty about the kept pixels' centroid. */
function fitSimilarity(flow: FlowField, keep: Uint8Array): Homography {
  const { width, data } = flow;
  let count = 0;
  let mx = 0;
  let my = 0;
  let mu = 0;
  let mv = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    count++;
    mx += i % width;
    my += Math.floor(i / width);
    mu += data[2 * i];
    mv += data[2 * i + 1];
  }
  if (count === 0) return identityHomography();
  mx /= count;
  my /= count;
  mu /= count;
  mv /= count;
  let sxx = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    const x = (i % width) - mx;
    const y = Math.floor(i / width) - my;
    const u = data[2 * i] - mu;
    const v = data[2 * i + 1] - mv;
    sxx += x * x + y * y;
    sa += x * u + y * v;
    sb += x * v - y * u;
  }
  const a = sxx > 0 ? sa / sxx : 0;
  const b = sxx > 0 ? sb / sxx : 0;
  // Point (mx, my) moves by (mu, mv); the linear part is [[1 + a, -b], [b, 1 + a]] about it.
  const c = 1 + a;
  return Float64Array.of(c, -b, mx + mu - c * mx + b * my, b, c, my + mv - b * mx - c * my, 0, 0, 1);
}

function residual(h: Homography, flow: FlowField, i: number): number {
  const x = i % flow.width;
  const y = Math.floor(i / flow.width);
  const px = h[0] * x + h[1] * y + h[2];
  const py = h[3] * x + h[4] * y + h[5];
  return Math.hypot(x + flow.data[2 * i] - px, y + flow.data[2 * i + 1] - py);
}
