import type { RgbImage } from '../raster/types.js';
import { checkAspectRatios } from '../../image-rules/index.js';
import { fitToSize } from './fit-to-size.js';
import type { FrameSize } from './output-size.js';

/** Options for {@link fitFrames}. */
export interface FitFramesOptions {
  start: RgbImage;
  /** `null` for image-to-video from the start frame alone. */
  end: RgbImage | null;
  /** The output size, usually from `outputSize()` on the start frame's aspect ratio. */
  size: FrameSize;
  /** Names for error messages; default `start` and `end`. */
  names?: { start?: string; end?: string };
}

/** The two keyframes at the output size. */
export interface FittedFrames {
  start: RgbImage;
  end: RgbImage | null;
}

/**
 * Validates the keyframes' aspect ratios (see `checkAspectRatios`) and brings both to the output size by cover
 * and centre crop. The end frame is fitted to the same size as the start frame rather than letterboxed, because
 * black bars that appear or vanish between the two ends would become the most visible "motion" in the clip.
 */
export async function fitFrames(options: FitFramesOptions): Promise<FittedFrames> {
  const { start, end, size } = options;
  const startName = options.names?.start ?? 'start';
  const endName = options.names?.end ?? 'end';
  checkAspectRatios(
    { width: start.width, height: start.height, name: startName },
    end ? { width: end.width, height: end.height, name: endName } : null,
  );
  const [fittedStart, fittedEnd] = await Promise.all([
    fitToSize(start, size.width, size.height),
    end ? fitToSize(end, size.width, size.height) : null,
  ]);
  return { start: fittedStart, end: fittedEnd };
}
