export { chooseMusic, type FootageFeatures, type MusicChoice } from './choose-music.js';
export { encodeWav } from './encode-wav.js';
export { measureLoudness } from './measure-loudness.js';
export {
  MUSIC_PRESET_IDS,
  MUSIC_PRESETS,
  type MusicPresetId,
  type MusicPresetInfo,
} from './music-presets.js';
export { normalizeLoudness, type LoudnessTarget } from './normalize-loudness.js';
export { createStereoPcm, MUSIC_SAMPLE_RATE, type StereoPcm } from './stereo-pcm.js';
export { synthesizeMusic, type MusicOptions } from './synthesize-music.js';
export { writeWav } from './write-wav.js';
export { footageFeatures } from './footage-features.js';
