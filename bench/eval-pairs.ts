import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EVAL_DIR } from './eval-io.js';

/** A keyframe pair to judge without a reference: the product's case (no true in-between exists). */
export interface EvalPair {
  readonly name: string;
  readonly start: string;
  readonly end: string;
}

const SAMPLES = join(import.meta.dirname, '..', 'samples');

/** The sample tunnel pair and every pair of ../shared/eval/pairs, in a fixed order. */
export function keyframePairs(): EvalPair[] {
  const pairs = join(EVAL_DIR, 'pairs');
  return [
    {
      name: 'samples/tunnel',
      start: join(SAMPLES, 'tunnel-start.jpg'),
      end: join(SAMPLES, 'tunnel-end.jpg'),
    },
    {
      name: 'pairs/tunnel',
      start: join(pairs, 'tunnel', 'frame1.png'),
      end: join(pairs, 'tunnel', 'frame2.png'),
    },
    { name: 'pairs/film', start: join(pairs, 'film', 'one.png'), end: join(pairs, 'film', 'two.png') },
    ...[0, 1, 2].map((i) => ({
      name: `pairs/rife/I${i}`,
      start: join(pairs, 'rife', `I${i}_0.png`),
      end: join(pairs, 'rife', `I${i}_1.png`),
    })),
    {
      name: 'pairs/emavfi',
      start: join(pairs, 'emavfi', 'img1.jpg'),
      end: join(pairs, 'emavfi', 'img2.jpg'),
    },
    {
      name: 'pairs/ifrnet',
      start: join(pairs, 'ifrnet', 'img0.png'),
      end: join(pairs, 'ifrnet', 'img1.png'),
    },
  ];
}

/** A triplet: two keyframes and the true frame half-way between them. */
export interface Triplet extends EvalPair {
  readonly truth: string;
}

export async function davisTriplets(): Promise<Triplet[]> {
  const root = join(EVAL_DIR, 'triplets', 'davis');
  const clips = (await readdir(join(root, 'input'))).sort();
  return clips.map((clip) => ({
    name: clip,
    start: join(root, 'input', clip, 'frame10.png'),
    end: join(root, 'input', clip, 'frame11.png'),
    truth: join(root, 'gt', clip, 'frame10i11.png'),
  }));
}

export async function ucf101Triplets(): Promise<Triplet[]> {
  const root = join(EVAL_DIR, 'triplets', 'ucf101');
  const items = (await readdir(root)).filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(a) - Number(b));
  return items.map((n) => ({
    name: n,
    start: join(root, n, 'frame0.png'),
    end: join(root, n, 'frame2.png'),
    truth: join(root, n, 'frame1.png'),
  }));
}

/** Frame i of clips/street. */
export const streetFrame = (i: number): string =>
  join(EVAL_DIR, 'clips', 'street', `${String(i).padStart(3, '0')}.png`);

/** clips/street at gap g: frame 0, frame g, and frame g/2 as the truth. */
export function streetGap(g: number): Triplet {
  return { name: `street g=${g}`, start: streetFrame(0), end: streetFrame(g), truth: streetFrame(g / 2) };
}
