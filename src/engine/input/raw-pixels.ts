import type { Sharp } from 'sharp';

/**
 * A sharp pipeline's output as 8-bit interleaved pixels with exactly `channels` channels (3 RGB, 4 RGBA),
 * as the engine's typed-array code expects; any other layout is a bug upstream, reported as such.
 */
export async function rawPixels(
  pipeline: Sharp,
  channels: 3 | 4,
): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) {
    throw new Error(`expected ${channels} channels after conversion but received ${info.channels}`);
  }
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}
