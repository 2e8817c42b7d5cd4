import { apiError, type ImageSource } from '../contract/index.js';
import {
  checkAspectRatios,
  DEFAULT_MAX_INPUT_PIXELS,
  InputImageError,
  judgeImageHeader,
  type ImageFormat,
} from '../image-rules/index.js';
import { DEFAULT_MAX_IMAGE_BYTES, describeBytes, fetchImageBytes, type FetchOptions } from './fetch-image.js';

/** One accepted input image: its bytes as sent and what its header says. */
export interface IntakeImage {
  bytes: Uint8Array;
  /** Judged by the magic bytes, never by the declared type. */
  format: ImageFormat;
  /** Displayed width: EXIF orientations 5..8 (a quarter turn) already swap width and height. */
  width: number;
  /** Displayed height, after EXIF orientation like `width`. */
  height: number;
  /** `image/png`, `image/jpeg` or `image/webp`, from `format`. */
  mediaType: string;
}

/** Options for {@link intakeImages}: the download settings for URLs, plus the decoded-pixel limit. */
export interface IntakeOptions extends Omit<FetchOptions, 'param'> {
  /** Largest width x height accepted, judged from the header. Default {@link DEFAULT_MAX_INPUT_PIXELS}. */
  maxPixels?: number;
}

const MEDIA_TYPES: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

/** The name errors use for the image at `index`, matching the request field. */
function paramOf(index: number): string {
  return `images[${index}]`;
}

/**
 * Turns the request's `images` into checked bytes at create time, so every input error is answered before a
 * task exists: data URIs are decoded, URLs downloaded in parallel (see {@link fetchImageBytes}), and each image
 * is judged from its bytes and header alone, without decoding its pixels.
 *
 * @throws ApiError naming `images[i]`: 002014004 (over `maxBytes`), 002014005 (download failed), 002014003 (not
 *   png, jpeg or webp, naming what it is), 002014006 (corrupt, cut short, or more pixels than `maxPixels`),
 *   002014007 (aspect ratio outside 1:4..4:1), 002014008 (end frame's aspect ratio not within 0.8..1.25 of the
 *   start frame's, naming `images[1]`). When `signal` aborts, the promise rejects with its reason.
 */
export async function intakeImages(
  sources: readonly ImageSource[],
  options: IntakeOptions = {},
): Promise<IntakeImage[]> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  // The first failure cancels the other downloads: the request is answered with an error either way.
  const siblings = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, siblings.signal]) : siblings.signal;
  const images = await Promise.all(
    sources.map(async (source, index) => {
      try {
        const bytes = await loadBytes(source, paramOf(index), { ...options, signal });
        return await inspectImage(bytes, paramOf(index), maxPixels);
      } catch (error) {
        siblings.abort();
        throw error;
      }
    }),
  );
  checkAspects(images);
  return images;
}

async function loadBytes(source: ImageSource, param: string, options: FetchOptions): Promise<Uint8Array> {
  if (source.kind === 'url') return fetchImageBytes(source.url, { ...options, param });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  // Refuse from the text's length before allocating: four base64 characters carry at most three bytes.
  const estimate = Math.floor((source.base64.length * 3) / 4);
  if (estimate > maxBytes + 3) {
    throw apiError('002014004', { param, values: { received: `about ${describeBytes(estimate)}` } });
  }
  const buffer = Buffer.from(source.base64, 'base64');
  if (buffer.length > maxBytes) {
    throw apiError('002014004', { param, values: { received: describeBytes(buffer.length) } });
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/**
 * Format, completeness and header dimensions of one image (see {@link judgeImageHeader}); no pixel is decoded.
 * Errors name `param`: 002014003 for another format (named: gif, tiff, ...), 002014006 for a cut-short or
 * corrupt image or one over `maxPixels`.
 */
export async function inspectImage(
  bytes: Uint8Array,
  param: string,
  maxPixels: number,
): Promise<IntakeImage> {
  try {
    const { format, width, height } = await judgeImageHeader(bytes, param, maxPixels);
    return { bytes, format, width, height, mediaType: MEDIA_TYPES[format] };
  } catch (error) {
    if (!(error instanceof InputImageError)) throw error;
    if (error.code === 'unsupported_format') {
      throw apiError('002014003', { param, values: { received: error.detail }, cause: error });
    }
    throw apiError('002014006', { param, values: { reason: error.detail }, cause: error });
  }
}

function aspect(image: IntakeImage): string {
  return `${(image.width / image.height).toFixed(2)} (${image.width}x${image.height})`;
}

/** The seed's aspect rules, shared with the engine, mapped onto the API's codes. */
function checkAspects(images: readonly IntakeImage[]): void {
  if (images.length === 0) return;
  const named = images.map((image, index) => ({
    width: image.width,
    height: image.height,
    name: paramOf(index),
  }));
  try {
    checkAspectRatios(named[0], named[1] ?? null);
  } catch (error) {
    if (!(error instanceof InputImageError)) throw error;
    const index = named.findIndex((image) => image.name === error.fileName);
    const image = images[index];
    if (error.code === 'aspect_mismatch') {
      throw apiError('002014008', {
        param: error.fileName,
        values: { received: `${aspect(image)} against the start frame's ${aspect(images[0])}` },
        cause: error,
      });
    }
    throw apiError('002014007', { param: error.fileName, values: { received: aspect(image) }, cause: error });
  }
}
