import { describe, expect, it } from 'vitest';

import { measureLoudness } from './measure-loudness.js';
import { MUSIC_PRESET_IDS, MUSIC_PRESETS } from './music-presets.js';
import type { StereoPcm } from './stereo-pcm.js';
import { synthesizeMusic } from './synthesize-music.js';

function peak(pcm: StereoPcm, from = 0, to = pcm.left.length): number {
  let max = 0;
  for (let i = from; i < to; i++) max = Math.max(max, Math.abs(pcm.left[i]), Math.abs(pcm.right[i]));
  return max;
}

function rms(pcm: StereoPcm, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += pcm.left[i] ** 2 + pcm.right[i] ** 2;
  return Math.sqrt(sum / (2 * (to - from)));
}

describe('synthesizeMusic', () => {
  it('has at least five presets of different moods and tempos', () => {
    expect(MUSIC_PRESETS.length).toBeGreaterThanOrEqual(5);
    expect(new Set(MUSIC_PRESETS.map((p) => p.mood)).size).toBe(MUSIC_PRESETS.length);
    expect(new Set(MUSIC_PRESETS.map((p) => p.bpm)).size).toBe(MUSIC_PRESETS.length);
  });

  describe.each(MUSIC_PRESET_IDS)('%s', (preset) => {
    it.each([1, 2.5, 8])('fits %s s exactly, never clips, fades to silence, reads -16 LUFS', (duration) => {
      const pcm = synthesizeMusic({ preset, seed: 11, duration });
      const n = pcm.left.length;
      expect(pcm.sampleRate).toBe(48_000);
      expect(n).toBe(Math.round(duration * 48_000));
      expect(pcm.right.length).toBe(n);
      expect(peak(pcm)).toBeLessThanOrEqual(10 ** (-1.5 / 20) + 1e-6);
      // Last 10 ms: below -60 dBFS; the middle is well above that (the fade is not the whole clip).
      expect(peak(pcm, n - 480)).toBeLessThan(1e-3);
      expect(rms(pcm, Math.round(n * 0.3), Math.round(n * 0.5))).toBeGreaterThan(0.02);
      // Starts from silence, too: no click at the first sample.
      expect(peak(pcm, 0, 24)).toBeLessThan(0.01);
      expect(Math.abs(measureLoudness(pcm) - -16)).toBeLessThanOrEqual(1);
    });

    it('is the same for a seed and different between seeds', () => {
      const a = synthesizeMusic({ preset, seed: 1, duration: 3 });
      const again = synthesizeMusic({ preset, seed: 1, duration: 3 });
      expect(Buffer.from(again.left.buffer).equals(Buffer.from(a.left.buffer))).toBe(true);
      expect(Buffer.from(again.right.buffer).equals(Buffer.from(a.right.buffer))).toBe(true);
      const differing = [2, 3, 4].filter((seed) => {
        const b = synthesizeMusic({ preset, seed, duration: 3 });
        let diff = 0;
        for (let i = 0; i < a.left.length; i++) diff += Math.abs(a.left[i] - b.left[i]);
        return diff / a.left.length > 1e-3;
      });
      // Seeds choose among a few keys and progressions; at least most of three others must differ.
      expect(differing.length).toBeGreaterThanOrEqual(2);
    });
  });

  it('differs between presets for the same seed', () => {
    const clips = MUSIC_PRESET_IDS.map((preset) => synthesizeMusic({ preset, seed: 5, duration: 2 }));
    for (let i = 1; i < clips.length; i++) {
      expect(Buffer.from(clips[i].left.buffer).equals(Buffer.from(clips[0].left.buffer))).toBe(false);
    }
  });

  it('rejects bad options the sharp way', () => {
    expect(() => synthesizeMusic({ preset: 'polka' as 'calm-pad', seed: 1, duration: 2 })).toThrow(
      'Expected one of calm-pad, upbeat-pluck, cinematic-swell, ambient-drone, playful-mallets for preset but received polka',
    );
    expect(() => synthesizeMusic({ preset: 'calm-pad', seed: 1, duration: 0.5 })).toThrow(
      'Expected a duration of 1..8 seconds but received 0.5',
    );
    expect(() => synthesizeMusic({ preset: 'calm-pad', seed: -1, duration: 2 })).toThrow(
      'for seed but received -1',
    );
  });

  it('synthesizes 8 s of the heaviest preset in well under a second', () => {
    const started = process.cpuUsage();
    for (const preset of MUSIC_PRESET_IDS) synthesizeMusic({ preset, seed: 3, duration: 8 });
    const { user, system } = process.cpuUsage(started);
    // Five presets x 8 s: about 0.7 s of CPU on the development machine; generous for slow CI.
    expect((user + system) / 1e6).toBeLessThan(6);
  });
});
