import sharp, { type Metadata } from 'sharp';

import { findTruncation } from './find-truncation.js';
import { InputImageError } from './input-image-error.js';
import { DEFAULT_MAX_INPUT_PIXELS } from './pixel-limit.js';
import { nameUnsupportedFormat, sniffImageFormat, type ImageFormat } from './sniff-image-format.js';

/** What an image's bytes and header say, before any pixel is decoded. */
export interface ImageHeader {
  /** Judged by the magic bytes, never by a declared type or a file name. */
  format: ImageFormat;
  /** Displayed width: EXIF orientations 5..8 (a quarter turn) already swap width and height. */
  width: number;
  /** Displayed height, after EXIF orientation like `width`. */
  height: number;
  /** The EXIF orientation, 1 when there is none or it is out of range. */
  orientation: number;
}

/**
 * Judges an untrusted image from its bytes and header alone: the format by its magic numbers, the container
 * whole (not cut short), the header's dimensions readable, and width x height within `maxPixels`. Nothing is
 * decoded, so a decompression bomb (a few KB declaring 20000 x 20000) costs a header read, not gigabytes.
 *
 * @throws InputImageError `unsupported_format` (its `detail` names what it is: `a gif image`), `decode_failed`
 *   (cut short, corrupt header, no dimensions) or `too_large` (over `maxPixels`), each naming `name`.
 */
export async function judgeImageHeader(
  bytes: Uint8Array,
  name: string,
  maxPixels: number = DEFAULT_MAX_INPUT_PIXELS,
): Promise<ImageHeader> {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const found = nameUnsupportedFormat(bytes);
    throw new InputImageError({
      code: 'unsupported_format',
      fileName: name,
      reason: `unsupported image format (${found ?? 'unrecognised data'}); expected png, jpeg or webp`,
      detail: found === null ? 'data that is not a recognisable image' : `a ${found} image`,
    });
  }
  const failed = (reason: string, cause?: unknown) =>
    new InputImageError({ code: 'decode_failed', fileName: name, reason, cause });
  const truncation = findTruncation(bytes, format);
  if (truncation !== undefined) throw failed(truncation);
  let metadata: Metadata;
  try {
    // Header only: sharp's pixel limit acts at decode time, so it is off here and checked just below instead.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw failed(`the ${format} header is corrupt`, error);
  }
  const { width, height } = metadata;
  if (!width || !height) throw failed(`the ${format} header has no dimensions`);
  if (width * height > maxPixels) {
    const megapixels = (width * height) / 1e6;
    throw new InputImageError({
      code: 'too_large',
      fileName: name,
      reason: `${width}x${height} (${megapixels.toFixed(0)} MP) exceeds the ${maxPixels / 1e6} MP pixel limit`,
    });
  }
  const orientation =
    metadata.orientation !== undefined && metadata.orientation >= 1 && metadata.orientation <= 8
      ? metadata.orientation
      : 1;
  const quarterTurn = orientation >= 5;
  return {
    format,
    width: quarterTurn ? height : width,
    height: quarterTurn ? width : height,
    orientation,
  };
}
