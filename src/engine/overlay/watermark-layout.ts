/** Where the mark goes: 1 top-left, 2 top-right, 3 bottom-right, 4 bottom-left (the API's `wm_position`). */
export type WatermarkPosition = 1 | 2 | 3 | 4;

/** The corner used when the request names none. */
export const DEFAULT_WATERMARK_POSITION: WatermarkPosition = 3;

/** Capital height of the text mark, as a share of the frame's shorter side. */
export const TEXT_CAP_SHARE = 0.035;
/** Smallest capital height in pixels; below it the letters close up (only tiny test frames get near it). */
export const MIN_TEXT_CAP_PX = 8;
/** Width of an image mark, as a share of the frame's width. */
export const IMAGE_WIDTH_SHARE = 0.18;
/** Tallest an image mark may be, as a share of the frame's height, so a portrait logo does not cover the scene. */
export const IMAGE_MAX_HEIGHT_SHARE = 0.25;
/** Distance from the frame's edges, as a share of its shorter side (the same on both axes). */
export const MARGIN_SHARE = 0.03;

/** A rectangle in frame pixels. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The margin in pixels for a frame, at least 2 so the mark never touches the edge. */
export function watermarkMargin(frameWidth: number, frameHeight: number): number {
  return Math.max(2, Math.round(MARGIN_SHARE * Math.min(frameWidth, frameHeight)));
}

/** Largest box that fits inside the frame with the margin on every side. */
export function availableSize(frameWidth: number, frameHeight: number): { width: number; height: number } {
  const margin = watermarkMargin(frameWidth, frameHeight);
  return { width: frameWidth - 2 * margin, height: frameHeight - 2 * margin };
}

/**
 * Places a box of even size in the named corner, its top-left on even coordinates so its chroma samples line up
 * with the frame's 2x2 blocks. Even alignment moves the box towards the frame's centre, never closer to an edge.
 */
export function placeWatermark(options: {
  frameWidth: number;
  frameHeight: number;
  width: number;
  height: number;
  position: WatermarkPosition;
}): Box {
  const { frameWidth, frameHeight, width, height, position } = options;
  const margin = watermarkMargin(frameWidth, frameHeight);
  const left = position === 1 || position === 4;
  const top = position === 1 || position === 2;
  const x = left ? evenUp(margin) : evenDown(frameWidth - margin - width);
  const y = top ? evenUp(margin) : evenDown(frameHeight - margin - height);
  if (x < 0 || y < 0 || x + width > frameWidth || y + height > frameHeight) {
    throw new RangeError(
      `Expected a watermark that fits the ${frameWidth}x${frameHeight} frame but received ${width}x${height}`,
    );
  }
  return { x, y, width, height };
}

function evenUp(value: number): number {
  return 2 * Math.ceil(value / 2);
}

function evenDown(value: number): number {
  return 2 * Math.floor(value / 2);
}
