import { seededRandom } from '../seed.js';
import type { ScaleLevel } from './pyramid.js';
import type { Corner } from './corners.js';

/** Binary tests per descriptor; 256 bits = 8 words, as in BRIEF and ORB. */
export const DESCRIPTOR_WORDS = 8;
const TESTS = DESCRIPTOR_WORDS * 32;
/** Test points lie within this radius of the corner (before rotation)... */
const PATTERN_RADIUS = 10;
/** ...and each compares 5x5 box means, which smooth noise (BRIEF's pre-blur, done with the integral image). */
const BOX_HALF = 2;
/** Room a descriptor needs around its corner, rotation and rounding included. */
export const DESCRIPTOR_MARGIN = PATTERN_RADIUS + BOX_HALF + 3;
const ANGLE_BINS = 32;

/** Features of one image: positions in working-resolution pixels, 256-bit descriptors side by side. */
export interface FeatureSet {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly level: Uint8Array;
  readonly descriptors: Uint32Array;
}

/**
 * The fixed test pattern: pairs drawn from an isotropic Gaussian (sigma = radius / 2) around the corner, from a
 * constant seed, so descriptors of two images (and of two runs) are always comparable. Rounded rotated copies
 * are kept per angle bin, which makes steering a lookup.
 */
const PATTERNS: Int8Array[] = buildPatterns();

function buildPatterns(): Int8Array[] {
  const random = seededRandom(0x5eed_b1f7);
  const gaussianPoint = (): [number, number] => {
    // Box-Muller; the clip keeps every test point inside the patch.
    for (;;) {
      const u = 1 - random();
      const v = random();
      const r = Math.sqrt(-2 * Math.log(u)) * (PATTERN_RADIUS / 2);
      const x = r * Math.cos(2 * Math.PI * v);
      const y = r * Math.sin(2 * Math.PI * v);
      if (x * x + y * y <= PATTERN_RADIUS * PATTERN_RADIUS) return [x, y];
    }
  };
  const base = new Float64Array(TESTS * 4);
  for (let k = 0; k < TESTS * 2; k++) {
    const [x, y] = gaussianPoint();
    base[2 * k] = x;
    base[2 * k + 1] = y;
  }
  const out: Int8Array[] = [];
  for (let bin = 0; bin < ANGLE_BINS; bin++) {
    const angle = (bin * 2 * Math.PI) / ANGLE_BINS;
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const rotated = new Int8Array(TESTS * 4);
    for (let k = 0; k < TESTS * 2; k++) {
      const x = base[2 * k];
      const y = base[2 * k + 1];
      rotated[2 * k] = Math.round(c * x - s * y);
      rotated[2 * k + 1] = Math.round(s * x + c * y);
    }
    out.push(rotated);
  }
  return out;
}

/**
 * Orientation by the intensity centroid (as in ORB): the angle from the corner to the centre of mass of the
 * patch. Only used when steering is on; upright tests discriminate better when the camera does not roll.
 */
function centroidAngle(level: ScaleLevel, cx: number, cy: number): number {
  const { width, data } = level.plane;
  let m10 = 0;
  let m01 = 0;
  for (let dy = -PATTERN_RADIUS; dy <= PATTERN_RADIUS; dy++) {
    const span = Math.floor(Math.sqrt(PATTERN_RADIUS * PATTERN_RADIUS - dy * dy));
    const row = (cy + dy) * width + cx;
    for (let dx = -span; dx <= span; dx++) {
      const v = data[row + dx];
      m10 += dx * v;
      m01 += dy * v;
    }
  }
  return Math.atan2(m01, m10);
}

/**
 * Describes the corners found on each pyramid level. `corners[i]` belongs to `levels[i]`; positions come back
 * in level-0 (working-resolution) pixels.
 */
export function describeCorners(levels: ScaleLevel[], corners: Corner[][], oriented: boolean): FeatureSet {
  let count = 0;
  for (const list of corners) count += list.length;
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  const level = new Uint8Array(count);
  const descriptors = new Uint32Array(count * DESCRIPTOR_WORDS);
  let f = 0;
  for (let l = 0; l < corners.length; l++) {
    const lv = levels[l];
    const stride = lv.plane.width + 1;
    const sums = lv.integral;
    // Offsets of the four summed-area reads of a 5x5 box, relative to the box centre's top-left corner index.
    const a = -BOX_HALF * stride - BOX_HALF;
    const b = -BOX_HALF * stride + BOX_HALF + 1;
    const c = (BOX_HALF + 1) * stride - BOX_HALF;
    const d = (BOX_HALF + 1) * stride + BOX_HALF + 1;
    for (const corner of corners[l]) {
      const cx = Math.round(corner.x);
      const cy = Math.round(corner.y);
      let bin = 0;
      if (oriented) {
        const angle = centroidAngle(lv, cx, cy);
        bin = ((Math.round((angle * ANGLE_BINS) / (2 * Math.PI)) % ANGLE_BINS) + ANGLE_BINS) % ANGLE_BINS;
      }
      const pattern = PATTERNS[bin];
      const centre = cy * stride + cx;
      const out = f * DESCRIPTOR_WORDS;
      for (let w = 0; w < DESCRIPTOR_WORDS; w++) {
        let bits = 0;
        for (let t = 0; t < 32; t++) {
          const p = (w * 32 + t) * 4;
          const i1 = centre + pattern[p + 1] * stride + pattern[p];
          const i2 = centre + pattern[p + 3] * stride + pattern[p + 2];
          const s1 = sums[i1 + d] - sums[i1 + b] - sums[i1 + c] + sums[i1 + a];
          const s2 = sums[i2 + d] - sums[i2 + b] - sums[i2 + c] + sums[i2 + a];
          if (s1 < s2) bits |= 1 << t;
        }
        descriptors[out + w] = bits >>> 0;
      }
      x[f] = (corner.x + 0.5) * lv.scaleX - 0.5;
      y[f] = (corner.y + 0.5) * lv.scaleY - 0.5;
      level[f] = l;
      f++;
    }
  }
  return { count, x, y, level, descriptors };
}
