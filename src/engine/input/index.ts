export {
  checkAspectRatios,
  MAX_ASPECT_MISMATCH,
  MAX_ASPECT_RATIO,
  type NamedSize,
} from './check-aspect-ratios.js';
export { decodeImage, DEFAULT_MAX_INPUT_PIXELS, type DecodeLimits } from './decode-image.js';
export { fitFrames, type FitFramesOptions, type FittedFrames } from './fit-frames.js';
export { fitToSize } from './fit-to-size.js';
export {
  InputImageError,
  type InputImageErrorCode,
  type InputImageErrorOptions,
} from './input-image-error.js';
export { loadKeyframes, type Keyframes, type LoadKeyframesOptions } from './load-keyframes.js';
export { outputSize, RESOLUTION_PIXELS, type FrameSize, type Resolution } from './output-size.js';
export { nameUnsupportedFormat, sniffImageFormat, type ImageFormat } from './sniff-image-format.js';
