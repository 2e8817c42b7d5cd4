import type { CameraMove } from '../camera/camera-words.js';
import { centreJacobian, describeCameraMotion, estimateGlobalMotion } from '../motion/index.js';
import type { Homography, Plane } from '../raster/types.js';

/** The camera move measured between two frames, read at the image centre. */
export interface MeasuredCamera {
  /** Content motion at the centre as a fraction of the width; positive when it moves right (camera pans left). */
  readonly panX: number;
  /** Content motion at the centre as a fraction of the height; positive when it moves down (camera tilts up). */
  readonly panY: number;
  /** Content scale at the centre: above 1 it grows (push in). */
  readonly zoom: number;
  /** Content rotation in radians, positive clockwise on screen. */
  readonly rotation: number;
  /** Horizontal over vertical content scale at the centre: away from 1 when the scene foreshortens (orbit). */
  readonly squeeze: number;
}

/** Below these, a component of the move is not worth naming. */
const PAN_MIN = 0.015;
const ZOOM_MIN = 0.03;
const ROLL_MIN = 0.035;
const SQUEEZE_MIN = 0.03;

/**
 * The global homography between two working-size luma planes, from sparse features; null when none is found.
 * RANSAC keeps its own fixed seed, so the same pair reads the same whatever the request's seed is.
 */
export function globalHomography(from: Plane, to: Plane): Homography | null {
  return (
    estimateGlobalMotion(from, to, { workingSize: Math.max(from.width, from.height) })?.homography ?? null
  );
}

/** Reads pan, zoom, roll and squeeze off a homography at the centre of a width x height frame. */
export function measureCamera(h: Homography, width: number, height: number): MeasuredCamera {
  return { ...describeCameraMotion(h, width, height), squeeze: horizontalSqueeze(h, width, height) };
}

/** Ratio of the Jacobian's column lengths at the centre. */
function horizontalSqueeze(h: Homography, width: number, height: number): number {
  const { a, b, c, d } = centreJacobian(h, width, height);
  const sy = Math.hypot(b, d);
  return sy > 0 ? Math.hypot(a, c) / sy : 1;
}

/**
 * Names the dominant component of a measured move. Each component is scored against the smallest amount worth
 * naming and the strongest wins; a sideways move that also foreshortens the scene is an orbit, as the camera
 * layer renders one. A roll becomes an orbit whose side follows the top edge: clockwise content moves the top
 * edge right, as an orbit left moves the content right.
 */
export function classifyCamera(camera: MeasuredCamera): CameraMove {
  const scores = {
    panX: Math.abs(camera.panX) / PAN_MIN,
    panY: Math.abs(camera.panY) / PAN_MIN,
    zoom: Math.abs(Math.log(camera.zoom)) / ZOOM_MIN,
    roll: Math.abs(camera.rotation) / ROLL_MIN,
  };
  const [best, score] = (Object.entries(scores) as [keyof typeof scores, number][]).reduce((a, b) =>
    b[1] > a[1] ? b : a,
  );
  if (score < 1) return 'static';
  switch (best) {
    case 'panX':
      if (Math.abs(Math.log(camera.squeeze)) >= SQUEEZE_MIN) {
        return camera.panX > 0 ? 'orbit-left' : 'orbit-right';
      }
      return camera.panX > 0 ? 'pan-left' : 'pan-right';
    case 'panY':
      return camera.panY > 0 ? 'tilt-up' : 'tilt-down';
    case 'zoom':
      return camera.zoom > 1 ? 'push-in' : 'pull-out';
    case 'roll':
      return camera.rotation > 0 ? 'orbit-left' : 'orbit-right';
  }
}

/**
 * When no global motion is found, the pair is either the same view (perhaps relit) or two unrelated views.
 * Compares the planes with their mean brightness removed, so a change of light alone still reads as static.
 */
export function looksStatic(from: Plane, to: Plane): boolean {
  const n = from.data.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += from.data[i];
    meanB += to.data[i];
  }
  meanA /= n;
  meanB /= n;
  let diff = 0;
  for (let i = 0; i < n; i++) diff += Math.abs(from.data[i] - meanA - (to.data[i] - meanB));
  return diff / n < 4;
}
