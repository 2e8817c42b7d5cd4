export { applyWatermark, applyWatermarkRgb } from './apply-watermark.js';
export { prepareWatermark, WATERMARK_TEXT, type PrepareWatermarkOptions } from './prepare-watermark.js';
export { DEFAULT_WATERMARK_POSITION, type Box, type WatermarkPosition } from './watermark-layout.js';
export type { Watermark } from './watermark-planes.js';
