import { seededRandom } from '../seed.js';
import { MUSIC_PRESET_IDS, musicPreset, type MusicPresetId } from './music-presets.js';

/** What the footage looks like, each measured over the clip's frames. */
export interface FootageFeatures {
  /** Mean luma, 0 black .. 1 white. */
  brightness: number;
  /** Mean chroma saturation, 0 grey .. 1 fully saturated. */
  saturation: number;
  /** Colour temperature, -1 cool (blue) .. 1 warm (orange). */
  warmth: number;
  /** Amount of motion, 0 still .. 1 fast (callers clamp their own measure into this range). */
  motion: number;
  /** The render's seed: breaks near-ties, so similar footage does not always get the same music. */
  seed: number;
}

/** The preset picked and why, in one line for the task's metadata. */
export interface MusicChoice {
  preset: MusicPresetId;
  reason: string;
}

/** Where each preset fits best, in the features' own units. */
const PROFILES: Record<MusicPresetId, Omit<FootageFeatures, 'seed'>> = {
  'upbeat-pluck': { brightness: 0.65, saturation: 0.6, warmth: 0.1, motion: 0.75 },
  'playful-mallets': { brightness: 0.75, saturation: 0.75, warmth: 0.4, motion: 0.4 },
  'calm-pad': { brightness: 0.6, saturation: 0.3, warmth: 0.2, motion: 0.1 },
  'cinematic-swell': { brightness: 0.3, saturation: 0.35, warmth: -0.1, motion: 0.6 },
  'ambient-drone': { brightness: 0.2, saturation: 0.2, warmth: -0.4, motion: 0.05 },
};

// Motion matters most to what music feels right, then light, then colour; warmth only nudges.
const WEIGHTS = { brightness: 1, saturation: 0.8, warmth: 0.35, motion: 1.4 } as const;

/** Scores within this of each other count as a tie, settled by the seed. */
const TIE = 0.04;

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.max(min, Math.min(max, value)) : (min + max) / 2;
}

function describe(f: Omit<FootageFeatures, 'seed'>): string {
  const light = f.brightness >= 0.6 ? 'bright' : f.brightness <= 0.35 ? 'dark' : 'mid-toned';
  const colour = f.saturation >= 0.5 ? 'colourful' : f.saturation <= 0.25 ? 'muted' : 'moderately coloured';
  const tone = f.warmth >= 0.25 ? ', warm' : f.warmth <= -0.25 ? ', cool' : '';
  const movement = f.motion >= 0.5 ? 'fast-moving' : f.motion <= 0.2 ? 'still' : 'gently moving';
  return `${light}, ${colour}${tone}, ${movement} footage`;
}

/**
 * Picks background music for the footage: the preset whose profile is nearest (weighted: motion, then
 * brightness, then saturation, then warmth), so bright, colourful, moving footage gets upbeat music and dark,
 * still footage calm or ambient music. Presets within a small margin of the best are a tie the seed settles.
 */
export function chooseMusic(features: FootageFeatures): MusicChoice {
  const f = {
    brightness: clamp(features.brightness, 0, 1),
    saturation: clamp(features.saturation, 0, 1),
    warmth: clamp(features.warmth, -1, 1),
    motion: clamp(features.motion, 0, 1),
  };
  const scored = MUSIC_PRESET_IDS.map((id) => {
    const p = PROFILES[id];
    const distance = Math.sqrt(
      (Object.keys(WEIGHTS) as (keyof typeof WEIGHTS)[]).reduce(
        (sum, key) => sum + WEIGHTS[key] * (f[key] - p[key]) ** 2,
        0,
      ),
    );
    return { id, distance };
  }).sort((a, b) => a.distance - b.distance);
  const ties = scored.filter((s) => s.distance - scored[0].distance <= TIE);
  const random = seededRandom((features.seed >>> 0) ^ 0x6d75_7369);
  const chosen = ties[Math.floor(random() * ties.length) % ties.length];
  const { mood, bpm } = musicPreset(chosen.id);
  const tie = ties.length > 1 ? ` (seed chose among ${ties.map((t) => t.id).join(', ')})` : '';
  return {
    preset: chosen.id,
    reason: `${describe(f)} suits ${mood} music: ${chosen.id} at ${bpm} bpm${tie}`,
  };
}
