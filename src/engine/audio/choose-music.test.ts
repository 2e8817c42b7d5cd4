import { describe, expect, it } from 'vitest';

import { chooseMusic } from './choose-music.js';
import { MUSIC_PRESET_IDS } from './music-presets.js';

describe('chooseMusic', () => {
  it('gives bright, colourful, moving footage upbeat music', () => {
    const choice = chooseMusic({ brightness: 0.7, saturation: 0.65, warmth: 0.1, motion: 0.8, seed: 1 });
    expect(choice.preset).toBe('upbeat-pluck');
    expect(choice.reason).toMatch(/^bright, colourful, fast-moving footage suits upbeat music: upbeat-pluck/);
  });

  it('gives dark, still footage ambient music and mid, still footage a calm pad', () => {
    expect(chooseMusic({ brightness: 0.15, saturation: 0.1, warmth: -0.5, motion: 0, seed: 1 }).preset).toBe(
      'ambient-drone',
    );
    expect(chooseMusic({ brightness: 0.6, saturation: 0.3, warmth: 0.3, motion: 0.1, seed: 1 }).preset).toBe(
      'calm-pad',
    );
  });

  it('gives dark footage with motion cinematic music, bright colourful gentle footage mallets', () => {
    expect(chooseMusic({ brightness: 0.3, saturation: 0.4, warmth: 0, motion: 0.6, seed: 1 }).preset).toBe(
      'cinematic-swell',
    );
    expect(chooseMusic({ brightness: 0.8, saturation: 0.8, warmth: 0.5, motion: 0.4, seed: 1 }).preset).toBe(
      'playful-mallets',
    );
  });

  it('lets the seed break ties, deterministically, and says so', () => {
    // Halfway between upbeat-pluck and playful-mallets.
    const features = { brightness: 0.7, saturation: 0.675, warmth: 0.25, motion: 0.575 };
    const picks = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const choice = chooseMusic({ ...features, seed });
      expect(chooseMusic({ ...features, seed })).toEqual(choice);
      expect(choice.reason).toContain('seed chose among');
      picks.add(choice.preset);
    }
    expect(picks).toEqual(new Set(['upbeat-pluck', 'playful-mallets']));
  });

  it('always answers a preset, even for out-of-range or missing measures', () => {
    const choice = chooseMusic({ brightness: 7, saturation: -1, warmth: Number.NaN, motion: 99, seed: 0 });
    expect(MUSIC_PRESET_IDS).toContain(choice.preset);
    expect(choice.reason.length).toBeGreaterThan(10);
  });
});
