import type { Homography } from '../raster/types.js';

/** The apparent camera move between two frames, in units a sentence can use. */
export interface CameraMotion {
  /**
   * Horizontal motion of the content at the image centre, as a fraction of the width: positive when the
   * content moves right, which is what a camera panning left produces.
   */
  readonly panX: number;
  /** Vertical motion of the content at the centre, as a fraction of the height: positive when it moves down. */
  readonly panY: number;
  /** Local scale of the content at the centre: above 1 the content grows (push in), below 1 it shrinks. */
  readonly zoom: number;
  /** Rotation of the content at the centre in radians, positive clockwise on screen (y points down). */
  readonly rotation: number;
}

/**
 * Reads pan, zoom and roll off a homography (from-pixel to to-pixel coordinates) by linearising it at the image
 * centre: the Jacobian there is what the viewer sees around the middle of the frame, and it stays meaningful
 * for the mild perspective of a real camera move where decomposing the whole matrix would not.
 */
export function describeCameraMotion(h: Homography, width: number, height: number): CameraMotion {
  const { cx, cy, px, py, a, b, c, d } = centreJacobian(h, width, height);
  return {
    panX: (px - cx) / width,
    panY: (py - cy) / height,
    zoom: Math.sqrt(Math.abs(a * d - b * c)),
    // The rotation closest to the Jacobian (its polar factor) has this angle.
    rotation: Math.atan2(c - b, a + d),
  };
}

/**
 * Where the image centre goes under h and the Jacobian there, [[a, b], [c, d]] (d(px)/dx = (h0 - px h6) / w and
 * so on: the quotient rule on u / w). Everything this module and the prompt writer read off a homography.
 */
export function centreJacobian(
  h: Homography,
  width: number,
  height: number,
): { cx: number; cy: number; px: number; py: number; a: number; b: number; c: number; d: number } {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const w = h[6] * cx + h[7] * cy + h[8];
  const px = (h[0] * cx + h[1] * cy + h[2]) / w;
  const py = (h[3] * cx + h[4] * cy + h[5]) / w;
  return {
    cx,
    cy,
    px,
    py,
    a: (h[0] - px * h[6]) / w,
    b: (h[1] - px * h[7]) / w,
    c: (h[3] - py * h[6]) / w,
    d: (h[4] - py * h[7]) / w,
  };
}
