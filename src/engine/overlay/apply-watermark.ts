import type { RgbImage } from '../raster/types.js';
import type { Watermark } from './watermark-planes.js';

/**
 * Blends the mark into a yuv420p frame (Y plane, then U, then V at half size) in place. Only the mark's box is
 * touched; a 1080p frame with the text mark costs a few tens of microseconds.
 */
export function applyWatermark(frame: Uint8Array, width: number, height: number, watermark: Watermark): void {
  checkFrame(width, height, watermark);
  const expected = width * height + 2 * (width / 2) * (height / 2);
  if (frame.length !== expected) {
    throw new RangeError(
      `Expected ${expected} bytes for a ${width}x${height} yuv420p frame but received ${frame.length}`,
    );
  }
  const { box } = watermark;
  blendPlane(frame, 0, width, box.x, box.y, box.width, box.height, watermark.yPremul, watermark.yKeep);
  const cw = width / 2;
  const uBase = width * height;
  const vBase = uBase + cw * (height / 2);
  const [bx, by, bw, bh] = [box.x / 2, box.y / 2, box.width / 2, box.height / 2];
  blendPlane(frame, uBase, cw, bx, by, bw, bh, watermark.uPremul, watermark.cKeep);
  blendPlane(frame, vBase, cw, bx, by, bw, bh, watermark.vPremul, watermark.cKeep);
}

/**
 * Blends the mark into an RGB frame in place, with the same alpha as the video, so the cover shows what the
 * video's first frame shows.
 */
export function applyWatermarkRgb(rgb: RgbImage, watermark: Watermark): void {
  const { width, height, data } = rgb;
  checkFrame(width, height, watermark);
  const { box, rgbPremul, yKeep } = watermark;
  for (let y = 0; y < box.height; y++) {
    let f = 3 * ((box.y + y) * width + box.x);
    let m = y * box.width;
    for (let x = 0; x < box.width; x++, m++, f += 3) {
      const keep = yKeep[m];
      if (keep === 256) continue;
      data[f] = (rgbPremul[3 * m] + keep * data[f] + 128) >> 8;
      data[f + 1] = (rgbPremul[3 * m + 1] + keep * data[f + 1] + 128) >> 8;
      data[f + 2] = (rgbPremul[3 * m + 2] + keep * data[f + 2] + 128) >> 8;
    }
  }
}

function checkFrame(width: number, height: number, watermark: Watermark): void {
  if (width !== watermark.frameWidth || height !== watermark.frameHeight) {
    throw new RangeError(
      `Expected a ${watermark.frameWidth}x${watermark.frameHeight} frame for this watermark but received ${width}x${height}`,
    );
  }
}

// Positional parameters on purpose: a private hot loop, called three times a frame.
function blendPlane(
  plane: Uint8Array,
  base: number,
  stride: number,
  x0: number,
  y0: number,
  w: number,
  h: number,
  premul: Uint16Array,
  keep: Uint16Array,
): void {
  for (let y = 0; y < h; y++) {
    let f = base + (y0 + y) * stride + x0;
    let m = y * w;
    const end = m + w;
    for (; m < end; m++, f++) {
      plane[f] = (premul[m] + keep[m] * plane[f] + 128) >> 8;
    }
  }
}
