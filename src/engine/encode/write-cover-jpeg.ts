import sharp from 'sharp';

import type { RgbImage } from '../raster/types.js';

/**
 * Writes a frame as the task's cover image: baseline sRGB JPEG, 4:2:0 like the video, progressive so a slow
 * connection shows a whole (blurry) picture early. Takes the frame from the renderer, not from decoding the
 * video, so the cover is free of compression artefacts.
 */
export async function writeCoverJpeg(frame: RgbImage, path: string, quality = 90): Promise<void> {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`Expected an integer 1..100 for quality but received ${quality}`);
  }
  await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .jpeg({ quality, progressive: true, chromaSubsampling: '4:2:0' })
    .toFile(path);
}
