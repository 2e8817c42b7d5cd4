import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';

/**
 * Warp fields resampled bilinearly to another grid, as the frame drawing reads them (field x at output
 * (x + 0.5) * width / fields.width - 0.5, borders clamped), vectors scaled to the new grid's pixels. For
 * measuring a warp computed on a coarser grid (synth/field-motion.ts) where it is drawn.
 */
export function resampleFields(
  fields: IntermediateFields,
  width: number,
  height: number,
): IntermediateFields {
  const { width: fw, height: fh, data: source } = fields;
  const data = new Float32Array(FIELD_CHANNELS * width * height);
  const vx = width / fw;
  const vy = height / fh;
  const scale = [vx, vy, vx, vy, 1, 1];
  for (let y = 0; y < height; y++) {
    const fy = Math.min(fh - 1, Math.max(0, ((y + 0.5) * fh) / height - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(fh - 1, y0 + 1);
    const ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(fw - 1, Math.max(0, ((x + 0.5) * fw) / width - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(fw - 1, x0 + 1);
      const ax = fx - x0;
      const o = FIELD_CHANNELS * (y * width + x);
      for (let c = 0; c < FIELD_CHANNELS; c++) {
        const at = (yy: number, xx: number): number => source[FIELD_CHANNELS * (yy * fw + xx) + c];
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * ax;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * ax;
        data[o + c] = (top + (bottom - top) * ay) * scale[c];
      }
    }
  }
  return { width, height, data };
}
