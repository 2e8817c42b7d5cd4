import type { CameraMove } from '../camera/camera-words.js';
import type { Plane } from '../raster/types.js';
import { seededRandom } from '../seed.js';

/** What the single-image choice looked at, for the facts. */
export interface ImageLayout {
  /** Width over height. */
  readonly aspect: number;
  /** Mean gradient energy of the central ninth over the rest: above 1 when detail gathers in the middle. */
  readonly centreWeight: number;
  /** Mean gradient energy of the left half over the right half. */
  readonly leftWeight: number;
}

const WIDE = 1.6;
const TALL = 1 / 1.3;
const CENTRED = 1.25;
const LOPSIDED = 1.15;
const FALLBACK_MOVES: readonly CameraMove[] = [
  'push-in',
  'pan-left',
  'pan-right',
  'orbit-left',
  'orbit-right',
];

/** Where the detail of a luma plane lies, from the squared central differences. */
export function measureLayout(luma: Plane): ImageLayout {
  const { width, height, data } = luma;
  let centre = 0;
  let centreCount = 0;
  let rest = 0;
  let restCount = 0;
  let left = 0;
  let right = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const gx = data[i + 1] - data[i - 1];
      const gy = data[i + width] - data[i - width];
      const energy = gx * gx + gy * gy;
      const inCentre = x >= width / 3 && x < (2 * width) / 3 && y >= height / 3 && y < (2 * height) / 3;
      if (inCentre) {
        centre += energy;
        centreCount++;
      } else {
        rest += energy;
        restCount++;
      }
      if (x < width / 2) left += energy;
      else right += energy;
    }
  }
  const ratio = (a: number, b: number): number => (a + 1e-6) / (b + 1e-6);
  return {
    aspect: width / height,
    centreWeight: ratio(centre / Math.max(1, centreCount), rest / Math.max(1, restCount)),
    leftWeight: ratio(left, right),
  };
}

/**
 * A gentle move that suits one still image: a tall frame tilts up, a wide one pans toward its busier side, a
 * centred subject gets a push in, and anything else draws from the seed. The seed also settles a wide frame
 * whose halves are equally busy, so the choice is deterministic per request.
 */
export function chooseSingleImageMove(layout: ImageLayout, seed: number): CameraMove {
  const draw = seededRandom(seed)();
  if (layout.aspect <= TALL) return 'tilt-up';
  if (layout.aspect >= WIDE) {
    if (layout.leftWeight >= LOPSIDED) return 'pan-left';
    if (layout.leftWeight <= 1 / LOPSIDED) return 'pan-right';
    return draw < 0.5 ? 'pan-left' : 'pan-right';
  }
  if (layout.centreWeight >= CENTRED) return 'push-in';
  return FALLBACK_MOVES[Math.min(FALLBACK_MOVES.length - 1, Math.floor(draw * FALLBACK_MOVES.length))];
}
