import type { FlowField, Plane } from '../raster/types.js';

/** Steps over the interval at which a pixel's cover is tested: 1/32 of a clip is under a frame at 24 fps. */
const STEPS = 32;

/**
 * When each pixel that the occlusion fill explained (`filled`: seen in this keyframe only, its vector now its
 * background's) is covered by its occluder, in this keyframe's own time: s = 0 here, 1 at the other keyframe.
 * Such a pixel is hidden in the other keyframe by the object the other keyframe shows at its place, whose
 * vector there (`other` at the pixel, towards this keyframe) is the occluder's motion. Between the keyframes it
 * is hidden wherever the occluder's path covers it: at time s the background point is at p + s f (f its own
 * vector) and the other keyframe's pixel e is at e + (1 - s) r, so it is covered when the other keyframe's
 * pixel at e = p + s f - (1 - s) r is part of the occluder (confident, moving like r). Returns, per pixel, the
 * first s at which it is covered (Infinity where never, or not filled), or null when no pixel ever is, so a
 * splat need not look: a background a moving object uncovers appears when the object has passed, not at
 * once, and one about to be covered stays until it is.
 */
export function hiddenFrom(
  flow: FlowField,
  filled: Uint8Array,
  other: FlowField,
  otherConfidence: Plane,
): Float32Array | null {
  const { width, height, data } = flow;
  const r = other.data;
  const rc = otherConfidence.data;
  const out = new Float32Array(width * height).fill(Infinity);
  let any = false;
  for (let p = 0; p < out.length; p++) {
    if (!filled[p] || !(rc[p] > 0.5)) continue;
    const x = p % width;
    const y = (p - x) / width;
    const fx = data[2 * p];
    const fy = data[2 * p + 1];
    const rx = r[2 * p];
    const ry = r[2 * p + 1];
    // Moving "like the occluder": within a third of the occluder's motion relative to the background, so a
    // neighbouring background pixel or another object never passes for it.
    const tolerance = Math.max(1, Math.hypot(rx + fx, ry + fy) / 3);
    for (let k = 0; k <= STEPS; k++) {
      const s = k / STEPS;
      const ex = Math.round(x + s * fx - (1 - s) * rx);
      const ey = Math.round(y + s * fy - (1 - s) * ry);
      if (ex < 0 || ey < 0 || ex >= width || ey >= height) continue;
      const e = ey * width + ex;
      if (!(rc[e] > 0.5)) continue;
      if (Math.hypot(r[2 * e] - rx, r[2 * e + 1] - ry) > tolerance) continue;
      out[p] = k === 0 ? 0 : (k - 0.5) / STEPS;
      any = true;
      break;
    }
  }
  return any ? out : null;
}
