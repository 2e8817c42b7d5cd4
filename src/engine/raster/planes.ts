import type { FlowField, Plane, RgbImage } from './types.js';

/** Allocates a zeroed plane; `shared` puts it in a SharedArrayBuffer so worker threads can read it in place. */
export function createPlane(width: number, height: number, shared = false): Plane {
  const bytes = width * height * Float32Array.BYTES_PER_ELEMENT;
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return { width, height, data: new Float32Array(buffer) };
}

/** Allocates a zero flow field (no motion). */
export function createFlow(width: number, height: number, shared = false): FlowField {
  const bytes = width * height * 2 * Float32Array.BYTES_PER_ELEMENT;
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return { width, height, data: new Float32Array(buffer) };
}

/** Allocates a black RGB image. */
export function createRgb(width: number, height: number, shared = false): RgbImage {
  const bytes = width * height * 3;
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return { width, height, data: new Uint8Array(buffer) };
}

/** BT.709 luma, the same weights the encoder uses, so flow sees the brightness the viewer sees. */
export function lumaOf(image: RgbImage): Plane {
  const { width, height, data } = image;
  const out = createPlane(width, height);
  const luma = out.data;
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    luma[i] = 0.2126 * data[p] + 0.7152 * data[p + 1] + 0.0722 * data[p + 2];
  }
  return out;
}

/**
 * Box-filtered resize of a plane to an arbitrary smaller size (area average), used to build working-resolution
 * copies without aliasing. Upscaling falls back to bilinear sampling.
 */
export function resizePlane(source: Plane, width: number, height: number): Plane {
  const out = createPlane(width, height);
  const sx = source.width / width;
  const sy = source.height / height;
  if (sx <= 1 && sy <= 1) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        out.data[y * width + x] = samplePlane(source, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5);
      }
    }
    return out;
  }
  const src = source.data;
  const sw = source.width;
  for (let y = 0; y < height; y++) {
    const y0 = y * sy;
    const y1 = Math.min(source.height, (y + 1) * sy);
    for (let x = 0; x < width; x++) {
      const x0 = x * sx;
      const x1 = Math.min(sw, (x + 1) * sx);
      let sum = 0;
      let area = 0;
      for (let yy = Math.floor(y0); yy < y1; yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        if (wy <= 0) continue;
        const row = yy * sw;
        for (let xx = Math.floor(x0); xx < x1; xx++) {
          const wx = Math.min(x1, xx + 1) - Math.max(x0, xx);
          if (wx <= 0) continue;
          sum += src[row + xx] * wx * wy;
          area += wx * wy;
        }
      }
      out.data[y * width + x] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/** Bilinear sample with clamp-to-edge; coordinates are pixel centres (0..width-1). */
export function samplePlane(plane: Plane, x: number, y: number): number {
  const { width, height, data } = plane;
  const cx = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
  const cy = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = x0 + 1 < width ? x0 + 1 : x0;
  const y1 = y0 + 1 < height ? y0 + 1 : y0;
  const fx = cx - x0;
  const fy = cy - y0;
  const r0 = y0 * width;
  const r1 = y1 * width;
  const top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * fx;
  const bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * fx;
  return top + (bottom - top) * fy;
}

/** A working resolution for an image: the same aspect, the long side at most `longSide`, never enlarged. */
export function workingSize(
  width: number,
  height: number,
  longSide: number,
  minSide = 1,
): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return {
    width: Math.max(minSide, Math.round(width * scale)),
    height: Math.max(minSide, Math.round(height * scale)),
  };
}
