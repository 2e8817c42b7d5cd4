import { createPlane, resizePlane } from '../raster/planes.js';
import type { Plane, RgbImage } from '../raster/types.js';

/** A small copy of a frame, one float plane per channel plus its luma, all 0..255. */
export interface WorkingCopy {
  readonly width: number;
  readonly height: number;
  readonly red: Plane;
  readonly green: Plane;
  readonly blue: Plane;
  readonly luma: Plane;
}

/**
 * Area-averaged copy of an RGB image at exactly width x height. Each channel is resized on its own so the
 * palette sees true colours, and luma is computed from the small channels with the engine's BT.709 weights.
 */
export function workingCopy(image: RgbImage, width: number, height: number): WorkingCopy {
  const { data } = image;
  const count = image.width * image.height;
  if (data.length !== count * 3) {
    throw new RangeError(
      `Expected ${count * 3} bytes for a ${image.width}x${image.height} RGB image but received ${data.length}`,
    );
  }
  const channels = [0, 1, 2].map((c) => {
    const plane = createPlane(image.width, image.height);
    for (let i = 0, p = c; i < count; i++, p += 3) plane.data[i] = data[p];
    return resizePlane(plane, width, height);
  });
  const [red, green, blue] = channels;
  const luma = createPlane(width, height);
  for (let i = 0; i < luma.data.length; i++) {
    luma.data[i] = 0.2126 * red.data[i] + 0.7152 * green.data[i] + 0.0722 * blue.data[i];
  }
  return { width, height, red, green, blue, luma };
}
