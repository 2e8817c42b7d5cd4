import sharp from 'sharp';
import { drawRgb, textureAt } from './synthetic.js';

/** How a test keyframe is drawn: its texture's seed, a shift for motion, and the encoding. */
export interface TexturedPngOptions {
  /** Pixels the texture moves right, so two frames of one seed make a pair with motion. Default 0. */
  readonly shift?: number;
  /** The texture's seed; each test file keeps the seed its expectations were written against. Default 21. */
  readonly seed?: number;
  /** 'gif' still answers a `data:image/png` URI: the service must judge the bytes, not the label. */
  readonly format?: 'png' | 'gif';
}

/** A smooth synthetic keyframe as a data URI, for request bodies. */
export async function texturedPng(
  width: number,
  height: number,
  { shift = 0, seed = 21, format = 'png' }: TexturedPngOptions = {},
): Promise<string> {
  const texture = textureAt(seed);
  const image = drawRgb(width, height, (x, y, c) => texture(x - shift, y, c));
  const encoder = sharp(image.data, { raw: { width, height, channels: 3 } });
  const bytes = await (format === 'gif' ? encoder.gif() : encoder.png()).toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}
