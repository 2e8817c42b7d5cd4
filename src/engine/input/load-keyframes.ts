import { readFile } from 'node:fs/promises';

import type { RgbImage } from '../raster/types.js';
import { decodeImage, type DecodeLimits } from './decode-image.js';
import { fitFrames } from './fit-frames.js';
import { InputImageError } from '../../image-rules/index.js';
import { outputSize, type Resolution } from './output-size.js';

interface LoadKeyframesCommon {
  /** Path of the start frame. */
  start: string;
  /** Path of the end frame; absent (or null) for image-to-video. */
  end?: string | null;
  limits?: DecodeLimits;
}

/**
 * Options for {@link loadKeyframes}: either an API resolution (the output size follows the start frame's aspect
 * ratio), or `size: 'input'` to keep the start frame's own size, for interpolation and evaluation where the
 * result is compared pixel for pixel with a ground truth. The input size may be odd; encoding needs even sides.
 */
export type LoadKeyframesOptions =
  (LoadKeyframesCommon & { resolution: Resolution }) | (LoadKeyframesCommon & { size: 'input' });

/** Decoded, validated keyframes at the output size. */
export interface Keyframes {
  start: RgbImage;
  end: RgbImage | null;
  width: number;
  height: number;
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'file not found' : `cannot read file (${code})`;
    throw new InputImageError({ code: 'not_found', fileName: path, reason, cause: error });
  }
}

/** Reads, decodes, validates and fits keyframes from files: the CLI's and the benchmarks' way in. */
export async function loadKeyframes(options: LoadKeyframesOptions): Promise<Keyframes> {
  const { start: startPath, end: endPath, limits } = options;
  const [start, end] = await Promise.all([
    readImageFile(startPath).then((bytes) => decodeImage(bytes, startPath, limits)),
    endPath === undefined || endPath === null
      ? null
      : readImageFile(endPath).then((bytes) => decodeImage(bytes, endPath, limits)),
  ]);
  const size =
    'resolution' in options
      ? outputSize(start.width / start.height, options.resolution)
      : { width: start.width, height: start.height };
  const fitted = await fitFrames({
    start,
    end,
    size,
    names: { start: startPath, end: endPath ?? undefined },
  });
  return { ...fitted, width: size.width, height: size.height };
}
