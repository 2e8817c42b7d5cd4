import { measureLoudness } from './measure-loudness.js';
import type { StereoPcm } from './stereo-pcm.js';

/** Targets for {@link normalizeLoudness}; the defaults are EBU R 128's streaming preset, as `loudnorm` uses. */
export interface LoudnessTarget {
  /** Integrated loudness to reach, LUFS. Default -16. */
  integrated?: number;
  /** Highest sample peak allowed, dBFS. Default -1.5, leaving the AAC encoder headroom for its overshoot. */
  peak?: number;
}

/**
 * Holds every sample under `ceiling` with a gain envelope that reaches each peak smoothly (5 ms attack, ahead of
 * the peak since the whole clip is known) and recovers over 80 ms: gentler than clipping, and exact.
 */
function limit(pcm: StereoPcm, ceiling: number): void {
  const n = pcm.left.length;
  const gain = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const peak = Math.max(Math.abs(pcm.left[i]), Math.abs(pcm.right[i]));
    gain[i] = peak > ceiling ? ceiling / peak : 1;
  }
  const release = 1 - Math.exp(-1 / (0.08 * pcm.sampleRate));
  const attack = 1 - Math.exp(-1 / (0.005 * pcm.sampleRate));
  for (let i = 1; i < n; i++) gain[i] = Math.min(gain[i], gain[i - 1] + (1 - gain[i - 1]) * release);
  for (let i = n - 2; i >= 0; i--) gain[i] = Math.min(gain[i], gain[i + 1] + (1 - gain[i + 1]) * attack);
  for (let i = 0; i < n; i++) {
    pcm.left[i] *= gain[i];
    pcm.right[i] *= gain[i];
  }
}

function scale(pcm: StereoPcm, factor: number): void {
  for (let i = 0; i < pcm.left.length; i++) {
    pcm.left[i] *= factor;
    pcm.right[i] *= factor;
  }
}

/**
 * Gains `pcm` in place to the integrated loudness target, limiting peaks to the ceiling; limiting lowers the
 * loudness a little, so gain and limit repeat until within 0.1 LU (three rounds at most). Returns the final
 * integrated loudness. Silence is left alone.
 */
export function normalizeLoudness(pcm: StereoPcm, target: LoudnessTarget = {}): number {
  const integrated = target.integrated ?? -16;
  const ceiling = 10 ** ((target.peak ?? -1.5) / 20);
  let loudness = measureLoudness(pcm);
  for (let round = 0; round < 3 && Number.isFinite(loudness); round++) {
    if (Math.abs(loudness - integrated) < 0.1) break;
    scale(pcm, 10 ** ((integrated - loudness) / 20));
    limit(pcm, ceiling);
    loudness = measureLoudness(pcm);
  }
  return loudness;
}
