import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

/** How far the camera pushes in over a cut's dissolve, as a scale: 1 + PUSH at the crossing point's ends. */
export const DISSOLVE_PUSH = 0.06;

/** Smoothstep: the ease of the dissolve and of its camera move, zero slope at both ends. */
export function ease(t: number): number {
  const c = t < 0 ? 0 : t > 1 ? 1 : t;
  return c * c * (3 - 2 * c);
}

/**
 * Fields of a deliberate transition between two keyframes that share nothing to follow (a cut): the start frame
 * pushes in from 1x to 1 + PUSH while it fades out, the end frame settles from 1 + PUSH to 1x while it fades in,
 * both eased, so the frames cross at the same framing and every sample stays inside its keyframe. Nothing is
 * warped by flow, so nothing folds or smears; the endpoints are the keyframes themselves.
 */
export function dissolveFields(
  width: number,
  height: number,
  t: number,
  out?: IntermediateFields,
): IntermediateFields {
  const fields = out ?? { width, height, data: new Float32Array(width * height * FIELD_CHANNELS) };
  const e = ease(t);
  // Sampling x from the output means scaling about the centre by 1 / zoom.
  const k0 = 1 / (1 + DISSOLVE_PUSH * e) - 1;
  const k1 = 1 / (1 + DISSOLVE_PUSH * (1 - e)) - 1;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const d = fields.data;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = (y * width + x) * FIELD_CHANNELS;
      d[k] = (x - cx) * k0;
      d[k + 1] = (y - cy) * k0;
      d[k + 2] = (x - cx) * k1;
      d[k + 3] = (y - cy) * k1;
      d[k + 4] = 1 - e;
      d[k + 5] = e;
    }
  }
  return fields;
}
