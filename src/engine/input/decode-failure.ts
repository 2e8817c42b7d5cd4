import { InputImageError } from '../../image-rules/index.js';

/**
 * What sharp's failure to decode an image means for the user: over the pixel limit (a decompression bomb or
 * just too big) or undecodable data, naming the file and the format its bytes claimed.
 */
export function decodeFailure(
  error: unknown,
  image: { name: string; format: string; maxPixels: number },
): InputImageError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new InputImageError({
      code: 'too_large',
      fileName: image.name,
      reason: `image has more than the ${image.maxPixels.toLocaleString('en-US')} pixels allowed`,
      cause: error,
    });
  }
  return new InputImageError({
    code: 'decode_failed',
    fileName: image.name,
    reason: `could not decode ${image.format} image (${message})`,
    cause: error,
  });
}
