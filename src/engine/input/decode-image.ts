import sharp from 'sharp';

import type { RgbImage } from '../raster/types.js';
import { decodeFailure } from './decode-failure.js';
import { rawPixels } from './raw-pixels.js';
import {
  DEFAULT_MAX_INPUT_PIXELS,
  InputImageError,
  nameUnsupportedFormat,
  sniffImageFormat,
} from '../../image-rules/index.js';

export { DEFAULT_MAX_INPUT_PIXELS };

/** Limits applied while decoding untrusted images. */
export interface DecodeLimits {
  /**
   * Largest width x height accepted, checked by sharp from the header before any pixel is decoded, which is
   * what stops a decompression bomb (a few KB of PNG claiming 50k x 50k pixels). Default 100 MP.
   */
  maxPixels?: number;
}

/**
 * Decodes a png, jpeg or webp keyframe into 8-bit sRGB RGB24.
 *
 * - The format is judged by the bytes alone; anything else fails with `unsupported_format` before sharp sees it.
 * - EXIF orientation is applied, so the frame is the way the user saw it in their photo viewer.
 * - Embedded ICC profiles (Display P3 from phones, CMYK) are converted to sRGB, the space the encoder tags.
 * - Transparency is flattened onto black. A video has no alpha, and black is its neutral ground: players
 *   letterbox on black and an editor shows black under a transparent layer, so transparent areas read as
 *   "nothing there" rather than as a white card. It also ignores any PNG bKGD chunk, so two keyframes with
 *   different background hints still agree, which the motion estimation depends on.
 * - sharp runs with `failOn: 'warning'`, its advice for untrusted input: a truncated upload is rejected rather
 *   than rendered with a grey lower half.
 */
export async function decodeImage(
  bytes: Uint8Array,
  name: string,
  limits: DecodeLimits = {},
): Promise<RgbImage> {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const found = nameUnsupportedFormat(bytes) ?? 'unrecognised data';
    throw new InputImageError({
      code: 'unsupported_format',
      fileName: name,
      reason: `unsupported image format (${found}); expected png, jpeg or webp`,
    });
  }
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  try {
    return await rawPixels(
      sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning' })
        .rotate()
        .flatten({ background: '#000000' })
        .toColourspace('srgb'),
      3,
    );
  } catch (error) {
    throw decodeFailure(error, { name, format, maxPixels });
  }
}
