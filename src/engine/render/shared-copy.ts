import type { FlowField, Plane, RgbImage } from '../raster/types.js';
import type { PairMotion } from '../synth/intermediate-fields.js';

/**
 * Copies pixel arrays into SharedArrayBuffers once per clip, so that every frame job sent to a worker thread
 * carries a handle to the same memory instead of a fresh copy of the keyframes and fields.
 */
export function sharedRgb(image: RgbImage): RgbImage {
  if (image.data.buffer instanceof SharedArrayBuffer) return image;
  return { width: image.width, height: image.height, data: sharedArray(image.data) };
}

function sharedFloats<T extends Plane | FlowField>(field: T): T {
  if (field.data.buffer instanceof SharedArrayBuffer) return field;
  return { ...field, data: sharedArray(field.data) };
}

function sharedArray(values: Float32Array): Float32Array;
function sharedArray(values: Uint8Array): Uint8Array;
function sharedArray(values: Float32Array | Uint8Array): Float32Array | Uint8Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const buffer = new SharedArrayBuffer(values.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return values instanceof Float32Array ? new Float32Array(buffer) : new Uint8Array(buffer);
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
    ...(motion.forwardFilled ? { forwardFilled: sharedArray(motion.forwardFilled) } : {}),
    ...(motion.backwardFilled ? { backwardFilled: sharedArray(motion.backwardFilled) } : {}),
    ...(motion.forwardHiddenFrom ? { forwardHiddenFrom: sharedArray(motion.forwardHiddenFrom) } : {}),
    ...(motion.backwardHiddenFrom ? { backwardHiddenFrom: sharedArray(motion.backwardHiddenFrom) } : {}),
    ...(motion.regularised !== undefined ? { regularised: motion.regularised } : {}),
    ...(motion.transition !== undefined ? { transition: motion.transition } : {}),
  };
}
