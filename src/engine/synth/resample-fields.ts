import { resizeComponent } from '../flow/resize-flow.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

/**
 * Warp fields resampled bilinearly to another grid, as the frame drawing reads them (field x at output
 * (x + 0.5) * fields.width / width - 0.5, borders clamped), vectors scaled to the new grid's pixels. For
 * measuring a warp computed on a coarser grid (synth/field-motion.ts) where it is drawn.
 */
export function resampleFields(
  fields: IntermediateFields,
  width: number,
  height: number,
): IntermediateFields {
  const { width: fw, height: fh, data: source } = fields;
  const vx = width / fw;
  const vy = height / fh;
  // ft0x, ft0y, ft1x, ft1y scale with the grid; the blend weights w0, w1 do not.
  const scale = [vx, vy, vx, vy, 1, 1];
  const data = new Float32Array(FIELD_CHANNELS * width * height);
  const channel = new Float32Array(fw * fh);
  const resized = new Float32Array(width * height);
  for (let c = 0; c < FIELD_CHANNELS; c++) {
    for (let i = 0; i < channel.length; i++) channel[i] = source[FIELD_CHANNELS * i + c];
    resizeComponent(channel, fw, fh, resized, width, height, scale[c]);
    for (let i = 0; i < resized.length; i++) data[FIELD_CHANNELS * i + c] = resized[i];
  }
  return { width, height, data };
}
