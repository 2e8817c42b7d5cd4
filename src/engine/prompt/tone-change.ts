import { toHsv } from './palette.js';
import type { WorkingCopy } from './working-copy.js';

/** How light and colour change from the start frame to the end frame. */
export interface ToneChange {
  /** Mean luma, 0..255. */
  readonly startLuma: number;
  readonly endLuma: number;
  /** Change of mean red minus blue, 0..255 units: positive when the tones warm. */
  readonly warmth: number;
  /** Change of mean HSV saturation, -1..1. */
  readonly saturation: number;
}

interface Tone {
  readonly luma: number;
  readonly warmth: number;
  readonly saturation: number;
}

function toneOf(copy: WorkingCopy): Tone {
  const n = copy.width * copy.height;
  let luma = 0;
  let warmth = 0;
  let saturation = 0;
  for (let i = 0; i < n; i++) {
    const r = copy.red.data[i];
    const b = copy.blue.data[i];
    luma += copy.luma.data[i];
    warmth += r - b;
    saturation += toHsv(r, copy.green.data[i], b)[1];
  }
  return { luma: luma / n, warmth: warmth / n, saturation: saturation / n };
}

/** Compares the mean brightness, warmth and saturation of two working copies. */
export function measureToneChange(start: WorkingCopy, end: WorkingCopy): ToneChange {
  const a = toneOf(start);
  const b = toneOf(end);
  return {
    startLuma: a.luma,
    endLuma: b.luma,
    warmth: b.warmth - a.warmth,
    saturation: b.saturation - a.saturation,
  };
}
