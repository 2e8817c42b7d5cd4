import sharp, { type Sharp } from 'sharp';

import {
  DEFAULT_MAX_INPUT_PIXELS,
  InputImageError,
  nameUnsupportedFormat,
  sniffImageFormat,
} from '../../image-rules/index.js';
import { decodeFailure } from '../input/decode-failure.js';
import { rawPixels } from '../input/raw-pixels.js';
import { textMarkSvg } from './text-mark-svg.js';
import {
  availableSize,
  DEFAULT_WATERMARK_POSITION,
  IMAGE_MAX_HEIGHT_SHARE,
  IMAGE_WIDTH_SHARE,
  MIN_TEXT_CAP_PX,
  placeWatermark,
  TEXT_CAP_SHARE,
  type WatermarkPosition,
} from './watermark-layout.js';
import { buildWatermarkPlanes, type Watermark } from './watermark-planes.js';

/** The fixed text drawn when the request gives no watermark image. */
export const WATERMARK_TEXT = 'AI Generated';

/** Options for {@link prepareWatermark}. */
export interface PrepareWatermarkOptions {
  /** The video's frame size; both sides even (yuv420p). */
  frameWidth: number;
  frameHeight: number;
  /** 1 top-left, 2 top-right, 3 bottom-right, 4 bottom-left. Default 3. */
  position?: WatermarkPosition;
  /**
   * The bytes at `wm_url`, already fetched by the safe intake: png, jpeg or webp. Without them the mark is the
   * text {@link WATERMARK_TEXT}.
   */
  image?: Uint8Array;
  /** Name used in error messages about the image. Default `wm_url`, the request parameter it came from. */
  imageName?: string;
}

/** An RGBA raster, unpremultiplied. */
interface Rgba {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Draws the mark once per video and converts it to what the frame loop blends ({@link Watermark}).
 *
 * - Text: capitals 3.5% of the frame's shorter side tall (8 px at least), white with a soft dark halo, drawn from
 *   built-in glyph outlines so no system font is involved.
 * - Image: 18% of the frame's width, at most 25% of its height, aspect ratio kept, transparency kept. EXIF
 *   orientation and ICC profiles are applied as for keyframes.
 * - Either is shrunk if it would not fit inside the 3% margin, and placed in the corner `position` names.
 *
 * Fails with an {@link InputImageError} (`unsupported_format`, `too_large` or `decode_failed`) for image bytes
 * that are not a usable png, jpeg or webp, and with a RangeError for bad frame sizes or positions.
 */
export async function prepareWatermark(options: PrepareWatermarkOptions): Promise<Watermark> {
  const { frameWidth, frameHeight } = options;
  const position = options.position ?? DEFAULT_WATERMARK_POSITION;
  checkEvenSide('frameWidth', frameWidth);
  checkEvenSide('frameHeight', frameHeight);
  if (position !== 1 && position !== 2 && position !== 3 && position !== 4) {
    throw new RangeError(`Expected 1, 2, 3 or 4 for position but received ${String(position)}`);
  }
  const raster =
    options.image === undefined
      ? await renderTextMark(frameWidth, frameHeight)
      : await renderImageMark(options.image, options.imageName ?? 'wm_url', frameWidth, frameHeight);
  const box = placeWatermark({
    frameWidth,
    frameHeight,
    width: evenCeil(raster.width),
    height: evenCeil(raster.height),
    position,
  });
  return buildWatermarkPlanes({
    kind: options.image === undefined ? 'text' : 'image',
    rgba: raster.data,
    rgbaWidth: raster.width,
    rgbaHeight: raster.height,
    box,
    frameWidth,
    frameHeight,
  });
}

async function renderTextMark(frameWidth: number, frameHeight: number): Promise<Rgba> {
  const avail = availableSize(frameWidth, frameHeight);
  let cap = Math.max(MIN_TEXT_CAP_PX, TEXT_CAP_SHARE * Math.min(frameWidth, frameHeight));
  for (;;) {
    const mark = textMarkSvg(WATERMARK_TEXT, cap);
    if (mark.width <= avail.width && mark.height <= avail.height) return toRgba(sharp(Buffer.from(mark.svg)));
    // Only narrow frames get here. Rounding each side up to even can overshoot by a pixel, hence a little less.
    cap *= 0.98 * Math.min(avail.width / mark.width, avail.height / mark.height);
    if (!(cap >= 1)) {
      throw new RangeError(
        `Expected a frame large enough for the watermark but received ${frameWidth}x${frameHeight}`,
      );
    }
  }
}

async function renderImageMark(
  bytes: Uint8Array,
  name: string,
  frameWidth: number,
  frameHeight: number,
): Promise<Rgba> {
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const found = nameUnsupportedFormat(bytes) ?? 'unrecognised data';
    throw new InputImageError({
      code: 'unsupported_format',
      fileName: name,
      reason: `unsupported image format (${found}); expected png, jpeg or webp`,
    });
  }
  const avail = availableSize(frameWidth, frameHeight);
  const boxWidth = Math.max(1, Math.min(avail.width, Math.round(IMAGE_WIDTH_SHARE * frameWidth)));
  const boxHeight = Math.max(1, Math.min(avail.height, Math.round(IMAGE_MAX_HEIGHT_SHARE * frameHeight)));
  try {
    const pipeline = sharp(bytes, { limitInputPixels: DEFAULT_MAX_INPUT_PIXELS, failOn: 'warning' })
      .rotate()
      .toColourspace('srgb')
      .ensureAlpha()
      // 'inside' keeps the aspect ratio within width x max height; small logos are enlarged to the same share.
      .resize(boxWidth, boxHeight, { fit: 'inside', kernel: 'lanczos3' });
    return await toRgba(pipeline);
  } catch (error) {
    throw decodeFailure(error, { name, format, maxPixels: DEFAULT_MAX_INPUT_PIXELS });
  }
}

function toRgba(pipeline: Sharp): Promise<Rgba> {
  return rawPixels(pipeline.ensureAlpha(), 4);
}

function checkEvenSide(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 2 || value % 2 !== 0) {
    throw new RangeError(`Expected a positive even integer for ${name} but received ${value}`);
  }
}

function evenCeil(value: number): number {
  return 2 * Math.ceil(value / 2);
}
