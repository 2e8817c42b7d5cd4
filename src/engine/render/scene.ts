import type { CameraPlan } from '../camera/camera-plan.js';
import { cameraTransformAt } from '../camera/camera-transform.js';
import type { RgbImage } from '../raster/types.js';
import {
  FIELD_CHANNELS,
  intermediateFields,
  type IntermediateFields,
  type PairMotion,
} from '../synth/intermediate-fields.js';
import { renderFrame } from '../synth/render-frame.js';

/**
 * Everything needed to draw any frame of one clip. Its arrays live in SharedArrayBuffers when it is handed to
 * worker threads, so every thread reads the same pixels without a copy.
 */
export interface Scene {
  readonly start: RgbImage;
  /** The end keyframe, fitted to the start's size; the start again for image-to-video. */
  readonly end: RgbImage;
  /** Motion between the keyframes; null for image-to-video, where only the camera moves. */
  readonly motion: PairMotion | null;
  readonly camera: CameraPlan;
}

/** Fields for a clip without a second keyframe: everything comes from the start frame, unmoved. */
const STILL_FIELDS: IntermediateFields = { width: 1, height: 1, data: new Float32Array([0, 0, 0, 0, 1, 0]) };

/**
 * Draws the frame at time t (0 = start, 1 = end). The endpoints of a two-keyframe clip are returned as exact
 * copies of the keyframes, so the first and last frames match them to the pixel.
 */
export function drawSceneFrame(scene: Scene, t: number, out?: Uint8Array): Uint8Array {
  const { start, end, motion } = scene;
  const camera = cameraTransformAt(scene.camera, t, start.width, start.height);
  if (camera === null && t <= 0) return copyInto(start.data, out);
  if (camera === null && t >= 1 && motion !== null) return copyInto(end.data, out);
  const fields = motion === null ? STILL_FIELDS : intermediateFields(motion, t);
  if (fields.data.length !== fields.width * fields.height * FIELD_CHANNELS) throw new Error('bad fields');
  return renderFrame({
    start,
    end,
    fields,
    camera,
    edges: motion === null && scene.camera.move === 'pull-out' ? 'mirror' : 'clamp',
    ...(out ? { out } : {}),
  });
}

function copyInto(source: Uint8Array, out?: Uint8Array): Uint8Array {
  const target = out ?? new Uint8Array(source.length);
  target.set(source);
  return target;
}
