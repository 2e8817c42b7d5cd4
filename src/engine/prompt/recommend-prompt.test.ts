import { describe, expect, it } from 'vitest';
import { cameraWordsIn } from '../camera/camera-words.js';
import { createRgb } from '../raster/planes.js';
import type { RgbImage } from '../raster/types.js';
import { seededRandom } from '../seed.js';
import { colourName } from './palette.js';
import { MAX_PROMPT_LENGTH, recommendPrompt } from './index.js';

const W = 320;
const H = 200;

/** Random coloured rectangles and discs on a gradient; `blue` keeps every colour in blue shades. */
function texturedImage(seed: number, blue = false): RgbImage {
  const random = seededRandom(seed);
  const image = createRgb(W, H);
  const paint = (x: number, y: number, r: number, g: number, b: number): void => {
    const p = (y * W + x) * 3;
    image.data[p] = r;
    image.data[p + 1] = g;
    image.data[p + 2] = b;
  };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = 60 + (120 * x) / W;
      if (blue) paint(x, y, v * 0.15, v * 0.35, v + 60);
      else paint(x, y, v, v * 0.9, v * 0.8);
    }
  }
  for (let k = 0; k < 160; k++) {
    const [cx, cy] = [random() * W, random() * H];
    const colour = blue
      ? [random() * 40, 40 + random() * 60, 140 + random() * 115]
      : [random() * 255, random() * 255, random() * 255];
    const rect = random() < 0.5;
    const [rw, rh, radius] = [4 + random() * 30, 4 + random() * 30, 3 + random() * 14];
    const reach = Math.max(rw, rh, 2 * radius);
    for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(H, cy + reach); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(W, cx + reach); x++) {
        const inside = rect
          ? Math.abs(x - cx) < rw / 2 && Math.abs(y - cy) < rh / 2
          : (x - cx) ** 2 + (y - cy) ** 2 < radius * radius;
        if (inside) paint(x, y, colour[0], colour[1], colour[2]);
      }
    }
  }
  return image;
}

/** The frame a camera makes when the content moves as `map` says (target pixel -> source pixel), bilinear. */
function warp(source: RgbImage, map: (x: number, y: number) => [number, number], brightness = 0): RgbImage {
  const out = createRgb(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [u, v] = map(x, y);
      const cu = Math.min(W - 1, Math.max(0, u));
      const cv = Math.min(H - 1, Math.max(0, v));
      const [x0, y0] = [Math.floor(cu), Math.floor(cv)];
      const [x1, y1] = [Math.min(W - 1, x0 + 1), Math.min(H - 1, y0 + 1)];
      const [fx, fy] = [cu - x0, cv - y0];
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number): number => source.data[(yy * W + xx) * 3 + c];
        const top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx;
        const bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx;
        out.data[(y * W + x) * 3 + c] = Math.min(255, Math.round(top + (bottom - top) * fy + brightness));
      }
    }
  }
  return out;
}

const [CX, CY] = [(W - 1) / 2, (H - 1) / 2];
const shift =
  (dx: number, dy: number) =>
  (x: number, y: number): [number, number] => [x - dx, y - dy];
const zoom =
  (s: number) =>
  (x: number, y: number): [number, number] => [CX + (x - CX) / s, CY + (y - CY) / s];

const start = texturedImage(3);

function expectConsistent(result: ReturnType<typeof recommendPrompt>): void {
  expect(cameraWordsIn(result.prompt)).toBe(result.camera);
  expect(result.prompt.length).toBeLessThan(MAX_PROMPT_LENGTH);
}

describe('recommendPrompt', () => {
  it('reads content shifted right as the camera panning left', () => {
    const result = recommendPrompt({ start, end: warp(start, shift(0.08 * W, 0)), seed: 1 });
    expect(result.camera).toBe('pan-left');
    expect(result.prompt).toContain('pans left');
    expect(cameraWordsIn(result.prompt)).toBe('pan-left');
    expectConsistent(result);
  });

  it('reads content shifted left as the camera panning right', () => {
    const result = recommendPrompt({ start, end: warp(start, shift(-0.08 * W, 0)), seed: 1 });
    expect(result.camera).toBe('pan-right');
    expectConsistent(result);
  });

  it('reads content shifted down as the camera tilting up', () => {
    const result = recommendPrompt({ start, end: warp(start, shift(0, 0.08 * H)), seed: 1 });
    expect(result.camera).toBe('tilt-up');
    expect(result.prompt).toContain('tilts up');
    expectConsistent(result);
  });

  it('reads a 1.2x zoom about the centre as a push in', () => {
    const result = recommendPrompt({ start, end: warp(start, zoom(1.2)), seed: 1 });
    expect(result.camera).toBe('push-in');
    expect(result.prompt).toContain('pushes in');
    expectConsistent(result);
  });

  it('reads a 0.83x zoom about the centre as a pull out', () => {
    const result = recommendPrompt({ start, end: warp(start, zoom(0.83)), seed: 1 });
    expect(result.camera).toBe('pull-out');
    expect(result.prompt).toContain('pulls out');
    expectConsistent(result);
  });

  it('calls identical frames static', () => {
    const result = recommendPrompt({ start, end: start, seed: 1 });
    expect(result.camera).toBe('static');
    expect(cameraWordsIn(result.prompt)).toBe('static');
    expectConsistent(result);
  });

  it('mentions the light brightening when the end frame is brighter', () => {
    const result = recommendPrompt({ start, end: warp(start, shift(0, 0), 40), seed: 1 });
    expect(result.prompt).toMatch(/the light brightens/i);
    expect(result.camera).toBe('static');
    expectConsistent(result);
  });

  it('mentions the light dimming when the end frame is darker', () => {
    const result = recommendPrompt({ start: warp(start, shift(0, 0), 40), end: start, seed: 1 });
    expect(result.prompt).toMatch(/the light dims/i);
    expectConsistent(result);
  });

  it('names blue in the palette of a mostly blue scene', () => {
    const blue = texturedImage(5, true);
    const result = recommendPrompt({ start: blue, end: blue, seed: 1 });
    expect(result.facts.palette[0].name).toMatch(/blue/);
    expect(result.prompt).toMatch(/blue/);
  });

  it('is deterministic', () => {
    const end = warp(start, shift(0.05 * W, 0.02 * H));
    const a = recommendPrompt({ start, end, seed: 9 });
    const b = recommendPrompt({ start, end, seed: 9 });
    expect(b).toEqual(a);
  });

  it('picks a gentle camera move for a single image that cameraWordsIn parses', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const result = recommendPrompt({ start, end: null, seed });
      expect(result.camera).not.toBeNull();
      expect(result.camera).not.toBe('static');
      expect(result.prompt).toContain('slowly');
      expectConsistent(result);
      expect(recommendPrompt({ start, end: null, seed })).toEqual(result);
    }
  });

  it('pans a wide single image toward its busier side', () => {
    const wide = createRgb(400, 200);
    const random = seededRandom(4);
    for (let y = 0; y < 200; y++) {
      for (let x = 0; x < 400; x++) {
        const v = x < 200 ? random() * 255 : 128;
        wide.data.set([v, v, v], (y * 400 + x) * 3);
      }
    }
    expect(recommendPrompt({ start: wide, end: null, seed: 1 }).camera).toBe('pan-left');
  });

  it('rejects an image whose data does not match its size', () => {
    expect(() =>
      recommendPrompt({ start: { width: 4, height: 4, data: new Uint8Array(10) }, end: null, seed: 1 }),
    ).toThrow(/Expected 48 bytes/);
  });
});

describe('colourName', () => {
  it('names plain colours in plain words', () => {
    expect(colourName(15, 30, 90)).toBe('deep blue');
    expect(colourName(40, 90, 230)).toBe('blue');
    expect(colourName(235, 130, 30)).toBe('warm orange');
    expect(colourName(40, 170, 60)).toBe('green');
    expect(colourName(128, 128, 130)).toBe('grey');
    expect(colourName(5, 5, 5)).toBe('black');
  });
});
