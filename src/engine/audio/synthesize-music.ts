import { seededRandom } from '../seed.js';
import { musicPreset, type MusicPresetId } from './music-presets.js';
import { normalizeLoudness } from './normalize-loudness.js';
import { createStereoPcm, MUSIC_SAMPLE_RATE, type StereoPcm } from './stereo-pcm.js';

/** Options for {@link synthesizeMusic}. */
export interface MusicOptions {
  preset: MusicPresetId;
  /** Picks key, progression and patterns; the same seed gives the same samples. */
  seed: number;
  /** Seconds, 1..8 (the video's length). */
  duration: number;
  /** Default 48000, the rate the MP4's AAC track is encoded at. */
  sampleRate?: number;
  /** Integrated loudness to normalise to, LUFS (peaks held under -1.5 dBFS). Default -16; `null` skips it. */
  loudness?: number | null;
}

/** Longest fade-out; a short clip fades over its last 40% instead. */
const FADE_OUT_SECONDS = 0.8;

/** Raised-cosine fades: fade-in from 0 at the first sample, fade-out to exactly 0 at the last one. */
function applyFades(pcm: StereoPcm, fadeIn: number, fadeOut: number): void {
  const n = pcm.left.length;
  const inSamples = Math.max(1, Math.round(fadeIn * pcm.sampleRate));
  const outSamples = Math.max(1, Math.round(fadeOut * pcm.sampleRate));
  for (let i = 0; i < Math.min(n, inSamples); i++) {
    const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / inSamples);
    pcm.left[i] *= g;
    pcm.right[i] *= g;
  }
  for (let k = 0; k < Math.min(n, outSamples); k++) {
    // k counts back from the last sample, which gets gain 0.
    const g = 0.5 - 0.5 * Math.cos((Math.PI * k) / outSamples);
    pcm.left[n - 1 - k] *= g;
    pcm.right[n - 1 - k] *= g;
  }
}

/**
 * Generated background music: a deterministic function of preset, seed, duration and sample rate. Exactly
 * `round(duration x sampleRate)` samples per channel, faded in at the start and out to silence over the last
 * 0.8 s, normalised to -16 LUFS integrated (BS.1770) with sample peaks under -1.5 dBFS.
 *
 * @throws RangeError for an unknown preset, a duration outside 1..8 s, a bad seed or sample rate.
 */
export function synthesizeMusic(options: MusicOptions): StereoPcm {
  const { preset, seed, duration } = options;
  const sampleRate = options.sampleRate ?? MUSIC_SAMPLE_RATE;
  const info = musicPreset(preset);
  if (!Number.isFinite(duration) || duration < 1 || duration > 8) {
    throw new RangeError(`Expected a duration of 1..8 seconds but received ${duration}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) {
    throw new RangeError(`Expected an integer 0..${2 ** 32 - 1} for seed but received ${seed}`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 8000 || sampleRate > 192_000) {
    throw new RangeError(`Expected an integer 8000..192000 for sampleRate but received ${sampleRate}`);
  }
  const pcm = createStereoPcm(Math.round(duration * sampleRate), sampleRate);
  info.compose({ out: pcm, duration, random: seededRandom(seed) });
  applyFades(pcm, Math.min(info.fadeIn, duration / 5), Math.min(FADE_OUT_SECONDS, duration * 0.4));
  const loudness = options.loudness === undefined ? -16 : options.loudness;
  if (loudness !== null) normalizeLoudness(pcm, { integrated: loudness });
  return pcm;
}
