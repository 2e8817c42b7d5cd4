import type { FlowField, Plane, RgbImage } from '../raster/types.js';
import type { PairMotion } from '../synth/intermediate-fields.js';

/**
 * Copies pixel arrays into SharedArrayBuffers once per clip, so that every frame job sent to a worker thread
 * carries a handle to the same memory instead of a fresh copy of the keyframes and fields.
 */
export function sharedRgb(image: RgbImage): RgbImage {
  if (image.data.buffer instanceof SharedArrayBuffer) return image;
  const data = new Uint8Array(new SharedArrayBuffer(image.data.length));
  data.set(image.data);
  return { width: image.width, height: image.height, data };
}

function sharedFloats<T extends Plane | FlowField>(field: T): T {
  if (field.data.buffer instanceof SharedArrayBuffer) return field;
  const data = new Float32Array(new SharedArrayBuffer(field.data.byteLength));
  data.set(field.data);
  return { ...field, data };
}

function sharedArray(values: Float32Array): Float32Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new Float32Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}

function sharedBytes(values: Uint8Array): Uint8Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const copy = new Uint8Array(new SharedArrayBuffer(values.byteLength));
  copy.set(values);
  return copy;
}

export function sharedMotion(motion: PairMotion): PairMotion {
  return {
    forward: sharedFloats(motion.forward),
    backward: sharedFloats(motion.backward),
    forwardConfidence: sharedFloats(motion.forwardConfidence),
    backwardConfidence: sharedFloats(motion.backwardConfidence),
    globalMotion: motion.globalMotion ?? null,
    ...(motion.forwardPriority ? { forwardPriority: sharedArray(motion.forwardPriority) } : {}),
    ...(motion.backwardPriority ? { backwardPriority: sharedArray(motion.backwardPriority) } : {}),
    ...(motion.startLuma ? { startLuma: sharedFloats(motion.startLuma) } : {}),
    ...(motion.endLuma ? { endLuma: sharedFloats(motion.endLuma) } : {}),
    ...(motion.forwardFilled ? { forwardFilled: sharedBytes(motion.forwardFilled) } : {}),
    ...(motion.backwardFilled ? { backwardFilled: sharedBytes(motion.backwardFilled) } : {}),
    ...(motion.forwardHiddenFrom ? { forwardHiddenFrom: sharedArray(motion.forwardHiddenFrom) } : {}),
    ...(motion.backwardHiddenFrom ? { backwardHiddenFrom: sharedArray(motion.backwardHiddenFrom) } : {}),
    ...(motion.regularised !== undefined ? { regularised: motion.regularised } : {}),
    ...(motion.transition !== undefined ? { transition: motion.transition } : {}),
  };
}
