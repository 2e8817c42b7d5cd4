/**
 * The "AI Generated" mark as an SVG built from our own glyph outlines, so it renders the same on every host:
 * librsvg draws paths without any font, whereas a `<text>` element would depend on which fonts the server has
 * (a bare container has none, and fontconfig would substitute something different on each distribution).
 *
 * The glyphs are monoline centre lines of a geometric sans-serif, stroked with round caps and joins. Units: cap
 * height 700, x-height 500, baseline at y = 700, y down as in SVG.
 */

interface Glyph {
  /** Width of the glyph's centre lines; the stroke adds half its width on each side. */
  readonly width: number;
  readonly d: string;
}

const CAP = 700;
const STROKE = 115;
/** Extra room between strokes of neighbouring glyphs, beyond the stroke itself. */
const TRACKING = 85;
/** Room around the ink for the dark halo, in glyph units. */
const HALO_PAD = 165;
const HALO_WIDTH = STROKE + 110;
const HALO_BLUR = 28;

const GLYPHS: Readonly<Record<string, Glyph>> = {
  A: { width: 520, d: 'M0,700 L260,0 L520,700 M92,455 L428,455' },
  I: { width: 0, d: 'M0,0 L0,700' },
  ' ': { width: 150, d: '' },
  // An arc from the upper right, round over the top, left and bottom and back up to mid height, then the bar.
  G: { width: 600, d: 'M512,103 A300,350 0 1 0 600,360 L340,360' },
  e: { width: 480, d: 'M0,450 L480,450 A240,250 0 1 0 424,611' },
  n: { width: 420, d: 'M0,200 L0,700 M0,420 Q0,200 210,200 Q420,200 420,420 L420,700' },
  r: { width: 250, d: 'M0,200 L0,700 M0,430 Q0,200 250,215' },
  a: { width: 440, d: 'M440,200 L440,700 M0,450 A220,250 0 0 0 440,450 A220,250 0 0 0 0,450' },
  t: { width: 250, d: 'M100,40 L100,700 M0,215 L250,215' },
  d: { width: 440, d: 'M440,0 L440,700 M0,450 A220,250 0 0 0 440,450 A220,250 0 0 0 0,450' },
};

/** An SVG document and the pixel size it renders at (both sides even, for 4:2:0 chroma). */
export interface TextMarkSvg {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

/** The characters {@link textMarkSvg} can draw. */
export const TEXT_MARK_CHARACTERS = Object.keys(GLYPHS).join('');

/**
 * Lays `text` out from the built-in glyphs and returns an SVG whose capitals are `capHeightPx` pixels tall: white
 * strokes over a blurred dark halo, so the mark reads on both bright and dark footage.
 */
export function textMarkSvg(text: string, capHeightPx: number): TextMarkSvg {
  if (!(capHeightPx > 0)) {
    throw new RangeError(`Expected a positive number for capHeightPx but received ${capHeightPx}`);
  }
  const paths: string[] = [];
  let x = 0;
  for (const char of text) {
    const glyph = GLYPHS[char];
    if (glyph === undefined) {
      throw new RangeError(
        `Expected text made of "${TEXT_MARK_CHARACTERS}" but received ${JSON.stringify(char)}`,
      );
    }
    if (glyph.d !== '') paths.push(`<path transform="translate(${x},0)" d="${glyph.d}"/>`);
    x += glyph.width + STROKE + TRACKING;
  }
  const inkWidth = x - TRACKING - STROKE;
  const pad = STROKE / 2 + HALO_PAD;
  const viewWidth = inkWidth + 2 * pad;
  const viewHeight = CAP + 2 * pad;
  const scale = capHeightPx / CAP;
  const width = evenCeil(viewWidth * scale);
  const height = evenCeil(viewHeight * scale);
  const body = paths.join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="${-pad} ${-pad} ${viewWidth} ${viewHeight}">` +
    `<defs><filter id="halo" x="-20%" y="-40%" width="140%" height="180%">` +
    `<feGaussianBlur stdDeviation="${HALO_BLUR}"/></filter></defs>` +
    `<g fill="none" stroke-linecap="round" stroke-linejoin="round">` +
    `<g stroke="#000000" stroke-opacity="0.75" stroke-width="${HALO_WIDTH}" filter="url(#halo)">${body}</g>` +
    `<g stroke="#ffffff" stroke-width="${STROKE}">${body}</g>` +
    `</g></svg>`;
  return { svg, width, height };
}

function evenCeil(value: number): number {
  return 2 * Math.ceil(value / 2);
}
