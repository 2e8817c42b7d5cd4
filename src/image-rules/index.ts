// The rules an input image must meet, judged from its bytes and header: one module below both the API's intake
// (src/media) and the engine's decoding (src/engine/input), so the two can never disagree. It imports nothing
// from the rest of src.
export {
  checkAspectRatios,
  MAX_ASPECT_MISMATCH,
  MAX_ASPECT_RATIO,
  type NamedSize,
} from './check-aspect-ratios.js';
export { findTruncation } from './find-truncation.js';
export {
  InputImageError,
  type InputImageErrorCode,
  type InputImageErrorOptions,
} from './input-image-error.js';
export { judgeImageHeader, type ImageHeader } from './judge-image-header.js';
export { DEFAULT_MAX_INPUT_PIXELS } from './pixel-limit.js';
export { nameUnsupportedFormat, sniffImageFormat, type ImageFormat } from './sniff-image-format.js';
