import { describe, expect, it } from 'vitest';
import { drawRgb, textureAt } from '../../../test/helpers/synthetic.js';
import type { Affine } from './field-rows.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';
import { renderFrameYuv, renderFrameYuvJs } from './render-frame-yuv.js';
import { WasmYuvDrawer, wasmYuvDrawer } from './wasm-drawer.js';
import { rgbToYuv420, type Yuv420Image } from './yuv420.js';

/** A textured keyframe pair of the given size, the end shifted so the two differ everywhere. */
function keyframes(width: number, height: number): { start: Yuv420Image; end: Yuv420Image } {
  const texture = textureAt(7);
  return {
    start: rgbToYuv420(drawRgb(width, height, (x, y, c) => texture(x, y, c))),
    end: rgbToYuv420(drawRgb(width, height, (x, y, c) => texture(x - 5, y + 2, c))),
  };
}

/**
 * Smooth fields with vectors large enough to carry samples over every border (so the outside rule and the
 * edge clamps are exercised), weights that vary, and a band where both weights are 0.
 */
function fields(fw: number, fh: number, amplitude: number): IntermediateFields {
  const data = new Float32Array(fw * fh * FIELD_CHANNELS);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const k = (y * fw + x) * FIELD_CHANNELS;
      data[k] = amplitude * Math.sin(x * 0.37 + y * 0.11);
      data[k + 1] = amplitude * Math.cos(x * 0.23 - y * 0.29);
      data[k + 2] = -amplitude * Math.sin(x * 0.19 + y * 0.31);
      data[k + 3] = amplitude * Math.sin(x * 0.41 - y * 0.07);
      const band = y === 2;
      data[k + 4] = band ? 0 : 0.5 + 0.5 * Math.sin(x * 0.5);
      data[k + 5] = band ? 0 : 0.5 + 0.5 * Math.cos(y * 0.7);
    }
  }
  return { width: fw, height: fh, data };
}

/** Share of samples that differ and the largest difference, between two frames of the same size. */
function compare(a: Uint8Array, b: Uint8Array): { share: number; max: number } {
  let differing = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { share: differing / a.length, max };
}

const cameras: Array<[string, Affine | null]> = [
  ['no camera', null],
  ['a push-in', new Float64Array([0.8, 0, 3.5, 0, 0.8, 2.25])],
  ['a pull-out past the borders', new Float64Array([1.3, 0, -4, 0, 1.2, -3])],
];

describe('renderFrameYuv in WebAssembly', () => {
  it('is available on this machine (else every frame falls back to the slower JavaScript)', () => {
    expect(wasmYuvDrawer()).toBeInstanceOf(WasmYuvDrawer);
  });

  // 36 x 20: chroma rows of 18, not a multiple of the four lanes, so the row tails are drawn too.
  for (const [width, height, fw, fh] of [
    [64, 48, 24, 18],
    [36, 20, 14, 8],
  ]) {
    for (const [name, camera] of cameras) {
      it(`draws what the JavaScript draws, ${width}x${height}, through ${name}`, () => {
        const { start, end } = keyframes(width, height);
        const f = fields(fw, fh, 9);
        const js = renderFrameYuvJs({ start, end, fields: f, camera });
        const fast = renderFrameYuv({ start, end, fields: f, camera });
        const { share, max } = compare(js, fast);
        // f32 against the JavaScript's f64: a rounding lands on the other side of .5 now and then.
        expect(max).toBeLessThanOrEqual(1);
        expect(share).toBeLessThan(0.01);
      });
    }
  }

  it('keeps no stale keyframe or fields between frames', () => {
    const drawer = new WasmYuvDrawer();
    const a = keyframes(64, 48);
    const b = keyframes(36, 20);
    const fa = fields(24, 18, 4);
    const fb = fields(14, 8, 4);
    const frameA = drawer.draw(a.start, a.end, fa, null);
    // Another size, other keyframes, then back: each frame is the one its inputs make.
    drawer.draw(b.start, b.end, fb, null);
    const swapped = drawer.draw(a.end, a.start, fa, null);
    const reference = renderFrameYuvJs({ start: a.end, end: a.start, fields: fa, camera: null });
    expect(compare(swapped, reference).max).toBeLessThanOrEqual(1);
    expect(compare(swapped, frameA).share).toBeGreaterThan(0.3);
    expect(compare(drawer.draw(a.start, a.end, fa, null), frameA).max).toBe(0);
  });

  it('draws fields written in place into its memory the same as fields copied in', () => {
    const drawer = new WasmYuvDrawer();
    const { start, end } = keyframes(64, 48);
    const f = fields(24, 18, 6);
    const copied = drawer.draw(start, end, f, null);
    const inPlace = drawer.fieldsFor(64, 48, 24, 18);
    inPlace.data.set(f.data);
    expect(compare(drawer.draw(start, end, inPlace, null), copied).max).toBe(0);
  });
});
