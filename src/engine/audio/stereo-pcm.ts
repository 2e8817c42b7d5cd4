/** Two channels of float samples, nominally -1..1, at one sample rate. */
export interface StereoPcm {
  sampleRate: number;
  left: Float32Array;
  right: Float32Array;
}

/** The only rate the engine writes: what AAC in MP4 is encoded at, so ffmpeg never resamples. */
export const MUSIC_SAMPLE_RATE = 48_000;

/** A silent buffer of `length` samples per channel. */
export function createStereoPcm(length: number, sampleRate = MUSIC_SAMPLE_RATE): StereoPcm {
  return { sampleRate, left: new Float32Array(length), right: new Float32Array(length) };
}
