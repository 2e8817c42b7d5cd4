/** The API's resolution names. */
export type Resolution = '540p' | '720p' | '1080p';

/** A frame size in pixels. */
export interface FrameSize {
  width: number;
  height: number;
}

/** Pixel budget of each resolution: the area of its 16:9 frame, whatever the aspect ratio actually is. */
export const RESOLUTION_PIXELS: Readonly<Record<Resolution, number>> = {
  '540p': 960 * 540,
  '720p': 1280 * 720,
  '1080p': 1920 * 1080,
};

// Aspect ratios people actually shoot and export at, and their portrait twins.
const COMMON_ASPECTS = [1, 5 / 4, 4 / 3, 3 / 2, 16 / 10, 16 / 9, 2, 21 / 9].flatMap((a) =>
  a === 1 ? [a] : [a, 1 / a],
);
// A start frame within this factor of a common ratio (a 1279x720 crop) is treated as that ratio.
const SNAP_TOLERANCE = 0.005;

// How far the pixel count may stray from the budget in exchange for a more exact aspect ratio.
const PIXEL_TOLERANCE = 0.01;

/**
 * The output size for a start frame of the given aspect ratio (width / height): about the pixel count of the
 * resolution's 16:9 frame, both sides even (yuv420p needs that).
 *
 * Among the even sizes within 1% of the pixel budget it picks the one closest to the aspect ratio, pixel count
 * breaking ties, because an aspect error costs a crop of real picture while 1% of pixels is invisible. So 16:9
 * gives 1280x720 at 720p, 1:1 gives 960x960, 9:16 gives 720x1280 and 4:3 an exact 1112x834. An aspect ratio
 * within 0.5% of a common one (16:9, 4:3, 3:2, ...) is snapped to it first, so a 1279x720 frame still gets the
 * 1280x720 everyone expects; the cover crop absorbs the difference.
 */
export function outputSize(aspect: number, resolution: Resolution): FrameSize {
  if (!Number.isFinite(aspect) || aspect <= 0) {
    throw new RangeError(`Expected a positive finite number for aspect but received ${aspect}`);
  }
  const pixels = RESOLUTION_PIXELS[resolution];
  if (pixels === undefined) {
    throw new RangeError(
      `Expected one of 540p, 720p, 1080p for resolution but received ${String(resolution)}`,
    );
  }
  aspect = snapAspect(aspect);
  const idealWidth = Math.sqrt(pixels * aspect);
  let best = evenSize(idealWidth, aspect);
  let bestScore = score(best, aspect, pixels);
  const from = Math.max(2, Math.floor((idealWidth * (1 - PIXEL_TOLERANCE)) / 2) * 2);
  const to = Math.ceil((idealWidth * (1 + PIXEL_TOLERANCE)) / 2) * 2;
  for (let width = from; width <= to; width += 2) {
    const candidate = evenSize(width, aspect);
    const pixelError = Math.abs(Math.log((candidate.width * candidate.height) / pixels));
    if (pixelError > PIXEL_TOLERANCE) continue;
    const candidateScore = score(candidate, aspect, pixels);
    if (candidateScore < bestScore) {
      best = candidate;
      bestScore = candidateScore;
    }
  }
  return best;
}

function snapAspect(aspect: number): number {
  for (const common of COMMON_ASPECTS) {
    if (Math.abs(Math.log(aspect / common)) <= SNAP_TOLERANCE) return common;
  }
  return aspect;
}

function roundEven(value: number): number {
  return Math.max(2, 2 * Math.round(value / 2));
}

function evenSize(width: number, aspect: number): FrameSize {
  const w = roundEven(width);
  return { width: w, height: roundEven(w / aspect) };
}

function score(size: FrameSize, aspect: number, pixels: number): number {
  const aspectError = Math.abs(Math.log(size.width / size.height / aspect));
  const pixelError = Math.abs(Math.log((size.width * size.height) / pixels));
  return aspectError + 0.01 * pixelError;
}
