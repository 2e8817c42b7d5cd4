/**
 * The pixel containers every engine stage passes around. Plain typed arrays in row-major order, so the same
 * objects move between worker threads (over SharedArrayBuffer) without copying or serialising.
 */

/** An 8-bit RGB image, 3 bytes per pixel, interleaved, row-major, no padding. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A single-channel float image (luma 0..255, or any scalar field such as a confidence map). */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * A dense motion field: for each pixel x of the source image, the displacement (dx, dy) in pixels of this
 * field's own grid such that source(x) ~ target(x + d). Interleaved: data[2i] = dx, data[2i + 1] = dy.
 */
export interface FlowField {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A 3x3 projective transform, row-major, mapping (x, y, 1) of one image to the other's pixel coordinates. */
export type Homography = Float64Array;
