export { abortError } from './abort-error.js';
export { BoundedLog } from './bounded-log.js';
export {
  buildEncodeArgs,
  ENCODE_DEFAULTS,
  rawFrameBytes,
  type RawPixelFormat,
  resolveEncodeArgs,
  X264_PRESETS,
  type EncodeArgsOptions,
  type ResolvedEncodeArgs,
  type X264Preset,
} from './build-encode-args.js';
export { EncodeError, type EncodeErrorCode, type EncodeErrorOptions } from './encode-error.js';
export { LineSplitter } from './line-splitter.js';
export { openEncoder, type EncodeResult, type Encoder, type EncoderOptions } from './open-encoder.js';
export { parseFfmpegProgress, type FfmpegProgress } from './parse-ffmpeg-progress.js';
export { resolveFfmpeg } from './resolve-ffmpeg.js';
export { writeCoverJpeg } from './write-cover-jpeg.js';
