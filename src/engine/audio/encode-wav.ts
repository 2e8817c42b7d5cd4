import type { StereoPcm } from './stereo-pcm.js';

/**
 * A 16-bit PCM stereo WAV file of `pcm` (RIFF, little-endian, interleaved). Samples are clamped to -1..1 and
 * rounded; no dither, so the bytes depend on the input alone.
 */
export function encodeWav(pcm: StereoPcm): Uint8Array {
  const frames = pcm.left.length;
  if (pcm.right.length !== frames) {
    throw new RangeError(
      `Expected channels of equal length but received ${frames} and ${pcm.right.length} samples`,
    );
  }
  const dataBytes = frames * 4;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 2, true); // channels
  view.setUint32(24, pcm.sampleRate, true);
  view.setUint32(28, pcm.sampleRate * 4, true); // byte rate
  view.setUint16(32, 4, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  const toInt16 = (x: number): number => Math.round(Math.max(-1, Math.min(1, x)) * 32767);
  for (let i = 0, offset = 44; i < frames; i++, offset += 4) {
    view.setInt16(offset, toInt16(pcm.left[i]), true);
    view.setInt16(offset + 2, toInt16(pcm.right[i]), true);
  }
  return bytes;
}
