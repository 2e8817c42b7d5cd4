import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { encodeWav } from './encode-wav.js';
import { createStereoPcm } from './stereo-pcm.js';
import { writeWav } from './write-wav.js';

describe('encodeWav', () => {
  it('writes a 16-bit stereo PCM RIFF header and interleaved, clamped samples', () => {
    const pcm = createStereoPcm(3);
    pcm.left.set([0, 1, -2]);
    pcm.right.set([0.5, -1, 2]);
    const bytes = encodeWav(pcm);
    const view = new DataView(bytes.buffer);
    const text = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(bytes.length).toBe(44 + 12);
    expect(view.getUint32(4, true)).toBe(36 + 12);
    expect(view.getUint16(20, true)).toBe(1);
    expect(view.getUint16(22, true)).toBe(2);
    expect(view.getUint32(24, true)).toBe(48_000);
    expect(view.getUint32(28, true)).toBe(192_000);
    expect(view.getUint16(32, true)).toBe(4);
    expect(view.getUint16(34, true)).toBe(16);
    expect(view.getUint32(40, true)).toBe(12);
    const samples = Array.from({ length: 6 }, (_, i) => view.getInt16(44 + 2 * i, true));
    expect(samples).toEqual([0, 16384, 32767, -32767, -32767, 32767]);
  });

  it('writes the same bytes to a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'inbetween-wav-'));
    try {
      const pcm = createStereoPcm(10);
      pcm.left.fill(0.25);
      await writeWav(pcm, join(dir, 'a.wav'));
      expect(new Uint8Array(await readFile(join(dir, 'a.wav')))).toEqual(encodeWav(pcm));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects channels of different lengths', () => {
    expect(() =>
      encodeWav({ sampleRate: 48_000, left: new Float32Array(2), right: new Float32Array(3) }),
    ).toThrow('Expected channels of equal length but received 2 and 3 samples');
  });
});
