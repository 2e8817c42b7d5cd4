import type { Affine } from '../synth/render-frame.js';
import type { CameraPlan } from './camera-plan.js';

/**
 * The camera transform at time t: an affine map from output pixels to scene pixels, or null where the camera
 * is at rest (always at t = 0, and at t = 1 for a bounded plan), so those frames are the keyframes untouched.
 * Every move zooms in at least as far as it shifts, so no edge outside the keyframes is ever shown; a single
 * image's pull-out is the exception and is drawn with mirrored edges by the caller.
 */
export function cameraTransformAt(plan: CameraPlan, t: number, width: number, height: number): Affine | null {
  if (plan.move === 'static' || plan.strength === 0) return null;
  const level = plan.bounded ? boundedEnvelope(plan.move, t) : easeInOut(t);
  if (level <= 0) return null;
  const a = plan.strength * level;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  switch (plan.move) {
    case 'push-in':
      return zoomAbout(1 + a, cx, cy, 0, 0);
    case 'pull-out':
      // Bounded: the clip is framed tighter early and opens up to the end frame. Unbounded: zoom below 1.
      return plan.bounded ? zoomAbout(1 + a, cx, cy, 0, 0) : zoomAbout(1 / (1 + a), cx, cy, 0, 0);
    case 'pan-left':
    case 'pan-right':
    case 'tilt-up':
    case 'tilt-down':
      return shiftedWindow(plan.move, a, width, height);
    case 'orbit-left':
    case 'orbit-right':
      return orbit(plan.move === 'orbit-left' ? -1 : 1, a, width, height);
    default:
      return null;
  }
}

/**
 * Rises from 0 to 1 and back, with zero slope at both ends. The peak sits late for moves that read as going
 * forward (a push in is mostly a slow approach) and early for a pull-out (mostly a slow retreat).
 */
function boundedEnvelope(move: CameraPlan['move'], t: number): number {
  if (t <= 0 || t >= 1) return 0;
  const peak = move === 'pull-out' ? 0.3 : 0.7;
  const u = t <= peak ? t / peak : (1 - t) / (1 - peak);
  const s = Math.sin((Math.PI / 2) * u);
  return s * s;
}

function easeInOut(t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

/** Scene point for output pixel p: centre + (p - centre) / zoom + shift. */
function zoomAbout(zoom: number, cx: number, cy: number, shiftX: number, shiftY: number): Float64Array {
  const k = 1 / zoom;
  return new Float64Array([k, 0, cx - k * cx + shiftX, 0, k, cy - k * cy + shiftY]);
}

/** A pan or tilt: zoom in by a, then slide the window as far as the zoom allows in the move's direction. */
function shiftedWindow(move: string, a: number, width: number, height: number): Float64Array {
  const zoom = 1 + a;
  const marginX = ((width - 1) / 2) * (1 - 1 / zoom);
  const marginY = ((height - 1) / 2) * (1 - 1 / zoom);
  // Panning left moves the view window left, so the scene slides right across the frame.
  const shiftX = move === 'pan-left' ? -marginX : move === 'pan-right' ? marginX : 0;
  const shiftY = move === 'tilt-up' ? -marginY : move === 'tilt-down' ? marginY : 0;
  return zoomAbout(zoom, (width - 1) / 2, (height - 1) / 2, shiftX, shiftY);
}

/**
 * An orbit seen from a flat image: the window slides sideways while the scene is foreshortened across the
 * direction of travel (narrower horizontally), as a camera circling a subject sees it turn.
 */
function orbit(direction: number, a: number, width: number, height: number): Float64Array {
  const zoom = 1 + a;
  const squeeze = 1 + 0.5 * a;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const kx = 1 / (zoom / squeeze);
  const ky = 1 / zoom;
  const marginX = cx * (1 - kx);
  const shiftX = direction * marginX * 0.9;
  return new Float64Array([kx, 0, cx - kx * cx + shiftX, 0, ky, cy - ky * cy]);
}
