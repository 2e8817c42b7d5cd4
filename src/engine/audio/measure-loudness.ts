import type { StereoPcm } from './stereo-pcm.js';

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/**
 * The two K-weighting stages of ITU-R BS.1770-4 for any sample rate (libebur128's derivation; at 48 kHz the
 * coefficients are the ones printed in the standard): a +4 dB high shelf for the head, then a 38 Hz high-pass.
 */
function kWeighting(sampleRate: number): [Biquad, Biquad] {
  let K = Math.tan((Math.PI * 1681.974450955533) / sampleRate);
  let Q = 0.7071752369554196;
  const Vh = 10 ** (3.999843853973347 / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  K = Math.tan((Math.PI * 38.13547087602444) / sampleRate);
  Q = 0.5003270373238773;
  a0 = 1 + K / Q + K * K;
  const highPass: Biquad = {
    b0: 1,
    b1: -2,
    b2: 1,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  return [shelf, highPass];
}

/** Squares of the K-weighted channel, summed per 100 ms step (the gating blocks are four steps). */
function weightedStepEnergy(samples: Float32Array, sampleRate: number, step: number): Float64Array {
  const [s, h] = kWeighting(sampleRate);
  const steps = new Float64Array(Math.floor(samples.length / step));
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0,
    z1 = 0,
    z2 = 0;
  for (let i = 0; i < steps.length * step; i++) {
    const x = samples[i];
    const y = s.b0 * x + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
    const z = h.b0 * y + h.b1 * y1 + h.b2 * y2 - h.a1 * z1 - h.a2 * z2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    steps[(i / step) | 0] += z * z;
  }
  return steps;
}

const toLufs = (meanSquare: number): number => -0.691 + 10 * Math.log10(meanSquare);

/**
 * Integrated loudness in LUFS per ITU-R BS.1770-4 / EBU R 128: K-weighted mean square over 400 ms blocks with 75%
 * overlap, gated at -70 LUFS absolute and then 10 LU below the level of the blocks that passed. `-Infinity` for
 * silence or a clip shorter than one block. Sample-exact, so the engine can normalise in JS and spare ffmpeg a
 * two-pass `loudnorm`.
 */
export function measureLoudness(pcm: StereoPcm): number {
  const step = Math.round(pcm.sampleRate / 10);
  const left = weightedStepEnergy(pcm.left, pcm.sampleRate, step);
  const right = weightedStepEnergy(pcm.right, pcm.sampleRate, step);
  const blocks: number[] = [];
  for (let i = 0; i + 4 <= left.length; i++) {
    let sum = 0;
    for (let k = i; k < i + 4; k++) sum += left[k] + right[k];
    blocks.push(sum / (4 * step));
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const audible = blocks.filter((power) => toLufs(power) > -70);
  if (audible.length === 0) return -Infinity;
  const relativeGate = toLufs(mean(audible)) - 10;
  const gated = audible.filter((power) => toLufs(power) > relativeGate);
  return toLufs(mean(gated));
}
