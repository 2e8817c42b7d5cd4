import type { CameraPlan } from '../camera/camera-plan.js';
import { cameraTransformAt } from '../camera/camera-transform.js';
import type { RgbImage } from '../raster/types.js';
import {
  FIELD_CHANNELS,
  intermediateFields,
  type IntermediateFields,
  type PairMotion,
} from '../synth/intermediate-fields.js';
import { dissolveFields } from '../synth/dissolve-fields.js';
import { renderFrameYuv } from '../synth/render-frame-yuv.js';
import { renderFrame } from '../synth/render-frame.js';
import { wasmYuvDrawer } from '../synth/wasm-drawer.js';
import type { Yuv420Image } from '../synth/yuv420.js';

/** The pixel layout frames are drawn in: RGB24 for stills, yuv420p (the encoder's input) for video. */
export type SceneFormat = 'rgb24' | 'yuv420p';

/**
 * Everything needed to draw any frame of one clip. Its arrays live in SharedArrayBuffers when it is handed to
 * worker threads, so every thread reads the same pixels without a copy.
 */
export interface Scene {
  readonly format: SceneFormat;
  /** The start keyframe in the scene's format. */
  readonly start: RgbImage | Yuv420Image;
  /** The end keyframe, fitted to the start's size; the start again for image-to-video. */
  readonly end: RgbImage | Yuv420Image;
  /** Motion between the keyframes; null for image-to-video, where only the camera moves. */
  readonly motion: PairMotion | null;
  readonly camera: CameraPlan;
}

/** Fields for a clip without a second keyframe: everything comes from the start frame, unmoved. */
const STILL_FIELDS: IntermediateFields = { width: 1, height: 1, data: new Float32Array([0, 0, 0, 0, 1, 0]) };

// One fields buffer per thread, reused frame after frame: each frame's fields are consumed before the next.
let fieldsScratch: IntermediateFields | null = null;

/**
 * Where this frame's fields are written: for video frames, straight into the WebAssembly drawer's memory (it
 * then draws them without a copy); otherwise a buffer of this thread's. Valid until the next frame's fields.
 */
export function fieldsBuffer(scene: Scene, motion: PairMotion): IntermediateFields {
  const { width, height } = motion.forward;
  const drawer = scene.format === 'yuv420p' ? wasmYuvDrawer() : null;
  if (drawer) return drawer.fieldsFor(scene.start.width, scene.start.height, width, height);
  if (fieldsScratch?.width !== width || fieldsScratch.height !== height) {
    fieldsScratch = { width, height, data: new Float32Array(width * height * FIELD_CHANNELS) };
  }
  return fieldsScratch;
}

/**
 * Draws the frame at time t (0 = start, 1 = end), into `out` when given (a spent frame of the same clip, so a
 * render allocates no new frame memory). The endpoints of a two-keyframe clip are exact copies of the
 * keyframes, so the first and last frames match them to the pixel.
 */
export function drawSceneFrame(scene: Scene, t: number, out?: Uint8Array): Uint8Array {
  return drawWithFields(scene, t, (motion) => exactFields(scene, motion, t), out);
}

/**
 * The warp fields of a two-keyframe scene at time t, computed in full: written into this thread's fields
 * buffer, so they are only valid until the next call.
 */
export function exactFields(scene: Scene, motion: PairMotion, t: number): IntermediateFields {
  return motion.transition === 'dissolve'
    ? dissolveFields(motion.forward.width, motion.forward.height, t, fieldsBuffer(scene, motion))
    : intermediateFields(motion, t, undefined, fieldsBuffer(scene, motion));
}

/**
 * {@link drawSceneFrame} with the fields taken from `fieldsOf` (called only where the frame is not a keyframe
 * copy), so a run of frames can hand in fields it interpolated.
 */
export function drawWithFields(
  scene: Scene,
  t: number,
  fieldsOf: (motion: PairMotion) => IntermediateFields,
  out?: Uint8Array,
): Uint8Array {
  const { start, end, motion } = scene;
  const camera = cameraTransformAt(scene.camera, t, start.width, start.height);
  if (camera === null && t <= 0) return copyInto(start.data, out);
  if (camera === null && t >= 1 && motion !== null) return copyInto(end.data, out);
  const fields = motion === null ? STILL_FIELDS : fieldsOf(motion);
  const frame = {
    fields,
    camera,
    edges: motion === null && scene.camera.move === 'pull-out' ? ('mirror' as const) : ('clamp' as const),
    ...(out ? { out } : {}),
  };
  return scene.format === 'yuv420p'
    ? renderFrameYuv({ start: start, end: end, ...frame })
    : renderFrame({ start: start, end: end, ...frame });
}

function copyInto(source: Uint8Array, out: Uint8Array | undefined): Uint8Array {
  if (!out) return source.slice();
  out.set(source);
  return out;
}
