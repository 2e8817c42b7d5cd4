// The rules an input image must meet live below the engine, shared with the API's intake; the engine's callers
// keep reaching them here.
export {
  checkAspectRatios,
  DEFAULT_MAX_INPUT_PIXELS,
  InputImageError,
  MAX_ASPECT_MISMATCH,
  MAX_ASPECT_RATIO,
  nameUnsupportedFormat,
  sniffImageFormat,
  type ImageFormat,
  type InputImageErrorCode,
  type InputImageErrorOptions,
  type NamedSize,
} from '../../image-rules/index.js';
export { decodeImage, type DecodeLimits } from './decode-image.js';
export { fitFrames, type FitFramesOptions, type FittedFrames } from './fit-frames.js';
export { fitToSize } from './fit-to-size.js';
export { loadKeyframes, type Keyframes, type LoadKeyframesOptions } from './load-keyframes.js';
export { outputSize, RESOLUTION_PIXELS, type FrameSize, type Resolution } from './output-size.js';
