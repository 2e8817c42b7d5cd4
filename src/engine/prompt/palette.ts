import type { WorkingCopy } from './working-copy.js';

/** One of the scene's dominant colours. */
export interface PaletteColour {
  /** Plain words: "deep blue", "warm orange", "grey". */
  readonly name: string;
  /** Fraction of the sampled pixels it covers. */
  readonly share: number;
  /** Mean colour of those pixels, 0..255. */
  readonly rgb: readonly [number, number, number];
}

/** A colour needs this share of the frame to be named, and the palette keeps at most this many. */
const MIN_SHARE = 0.08;
const MAX_COLOURS = 3;

/** Hue families, by the upper bound of their hue range in degrees (red wraps around 360). */
const HUES: ReadonlyArray<readonly [number, string]> = [
  [15, 'red'],
  [40, 'orange'],
  [68, 'yellow'],
  [160, 'green'],
  [195, 'teal'],
  [255, 'blue'],
  [290, 'purple'],
  [345, 'pink'],
  [360, 'red'],
];

/** Hue 0..360, saturation and value 0..1, of an RGB colour in 0..255. */
export function toHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const chroma = max - min;
  let hue = 0;
  if (chroma > 0) {
    if (max === r) hue = ((g - b) / chroma + 6) % 6;
    else if (max === g) hue = (b - r) / chroma + 2;
    else hue = (r - g) / chroma + 4;
  }
  return [hue * 60, max > 0 ? chroma / max : 0, max / 255];
}

/** A plain English name for a colour: a hue family with a light or dark qualifier, or a neutral. */
export function colourName(r: number, g: number, b: number): string {
  const [hue, saturation, value] = toHsv(r, g, b);
  if (value < 0.16) return 'black';
  if (saturation < 0.15) {
    if (value > 0.85) return 'white';
    if (value > 0.6) return 'light grey';
    return value > 0.32 ? 'grey' : 'dark grey';
  }
  const family = HUES.find(([upper]) => hue < upper)?.[1] ?? 'red';
  if (family === 'orange' || family === 'yellow') {
    if (value < 0.55) return family === 'orange' ? 'brown' : 'olive';
    return family === 'orange' ? 'warm orange' : 'golden yellow';
  }
  if (value < 0.42) return `deep ${family}`;
  if (saturation < 0.35 && value > 0.7) return `pale ${family}`;
  return family;
}

/**
 * The scene's dominant colours: every sampled pixel of the given copies is named, and the names covering the
 * most pixels win. Naming before counting groups by what a reader would call the same colour, which a k-means
 * in RGB does not, and it is exact and deterministic.
 */
export function dominantColours(copies: readonly WorkingCopy[]): PaletteColour[] {
  const groups = new Map<string, { count: number; r: number; g: number; b: number }>();
  let total = 0;
  for (const copy of copies) {
    const n = copy.width * copy.height;
    for (let i = 0; i < n; i += 2) {
      const r = copy.red.data[i];
      const g = copy.green.data[i];
      const b = copy.blue.data[i];
      const name = colourName(r, g, b);
      const group = groups.get(name) ?? { count: 0, r: 0, g: 0, b: 0 };
      group.count++;
      group.r += r;
      group.g += g;
      group.b += b;
      groups.set(name, group);
      total++;
    }
  }
  const ranked = [...groups.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const kept = ranked.filter(([, group], index) => index === 0 || group.count / total >= MIN_SHARE);
  return kept.slice(0, MAX_COLOURS).map(([name, group]) => ({
    name,
    share: group.count / total,
    rgb: [group.r / group.count, group.g / group.count, group.b / group.count] as const,
  }));
}
