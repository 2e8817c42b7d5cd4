import { describe, expect, it } from 'vitest';

import { measureLoudness } from './measure-loudness.js';
import { normalizeLoudness } from './normalize-loudness.js';
import { createStereoPcm, type StereoPcm } from './stereo-pcm.js';

function sine(
  seconds: number,
  freq: number,
  amplitude: number,
  channels: 'both' | 'left' = 'both',
): StereoPcm {
  const pcm = createStereoPcm(seconds * 48_000);
  for (let i = 0; i < pcm.left.length; i++) {
    const v = amplitude * Math.sin((2 * Math.PI * freq * i) / 48_000);
    pcm.left[i] = v;
    if (channels === 'both') pcm.right[i] = v;
  }
  return pcm;
}

describe('measureLoudness (BS.1770-4)', () => {
  it('reads the standard reference: a 997 Hz 0 dBFS sine on one channel is -3.01 LUFS', () => {
    expect(measureLoudness(sine(3, 997, 1, 'left'))).toBeCloseTo(-3.01, 1);
  });

  it('reads a -20 dBFS stereo 1 kHz tone as -20 LUFS, and K-weighting lowers 50 Hz', () => {
    expect(measureLoudness(sine(2, 1000, 0.1))).toBeCloseTo(-20, 1);
    expect(measureLoudness(sine(2, 50, 0.1))).toBeLessThan(-20.5);
  });

  it('gates out silence: a tone with silence after it reads as the tone', () => {
    const tone = sine(2, 1000, 0.1);
    const padded = createStereoPcm(6 * 48_000);
    padded.left.set(tone.left);
    padded.right.set(tone.right);
    expect(measureLoudness(padded)).toBeCloseTo(-20, 0);
    expect(measureLoudness(createStereoPcm(48_000))).toBe(-Infinity);
    expect(measureLoudness(createStereoPcm(100))).toBe(-Infinity);
  });
});

describe('normalizeLoudness', () => {
  it('gains to the target and holds peaks under the ceiling', () => {
    const pcm = sine(2, 440, 0.05);
    const before = measureLoudness(pcm);
    expect(normalizeLoudness(pcm)).toBeCloseTo(-16, 1);
    // A sine at -16 LUFS peaks near -13 dBFS: no limiting needed, so a plain gain.
    expect(Math.max(...pcm.left)).toBeCloseTo(0.05 * 10 ** ((-16 - before) / 20), 3);
  });

  it('limits when the target would push peaks past -1.5 dBFS, still landing within 1 LU', () => {
    // Clicks: huge crest factor, so reaching -16 LUFS means limiting the peaks.
    const pcm = createStereoPcm(3 * 48_000);
    for (let i = 0; i < pcm.left.length; i += 4800) pcm.left[i] = pcm.right[i] = 0.5;
    for (let i = 0; i < pcm.left.length; i++) pcm.left[i] += 0.001 * Math.sin(i / 10);
    const loudness = normalizeLoudness(pcm);
    let peak = 0;
    for (let i = 0; i < pcm.left.length; i++)
      peak = Math.max(peak, Math.abs(pcm.left[i]), Math.abs(pcm.right[i]));
    expect(peak).toBeLessThanOrEqual(10 ** (-1.5 / 20) + 1e-6);
    expect(loudness).toBeLessThanOrEqual(-15);
  });
});
