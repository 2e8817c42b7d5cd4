import sharp from 'sharp';

import type { RgbImage } from '../raster/types.js';

/**
 * Scales an image to cover `width` x `height` and crops the overflow evenly from both sides, so the result has
 * exactly that size and aspect ratio with no borders and no distortion. Lanczos3, sharp's sharpest kernel: the
 * fitted keyframes are the first and last frames of the video, shown as they are.
 */
export async function fitToSize(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`Expected positive integers for width and height but received ${width}x${height}`);
  }
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize({ width, height, fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}
