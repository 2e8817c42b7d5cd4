import { seededRandom } from '../seed.js';
import type { StereoPcm } from './stereo-pcm.js';

/** One note to play: when (s), for how long (s, before its release or decay), at what pitch, how loud, where. */
export interface Note {
  time: number;
  length: number;
  freq: number;
  gain: number;
  /** -1 left .. 1 right. */
  pan: number;
}

const TAU = 2 * Math.PI;

/** Equal-power pan law: a voice keeps its loudness wherever it sits. */
function panGains(pan: number): [number, number] {
  const angle = ((Math.max(-1, Math.min(1, pan)) + 1) * Math.PI) / 4;
  return [Math.cos(angle), Math.sin(angle)];
}

/** Adds `sample(t)` (t in seconds from `time`) to the buffer for `seconds`, clipped to the buffer's ends. */
function mix(
  out: StereoPcm,
  time: number,
  seconds: number,
  pan: number,
  sample: (t: number) => number,
): void {
  const rate = out.sampleRate;
  const start = Math.max(0, Math.ceil(time * rate));
  const end = Math.min(out.left.length, Math.ceil((time + seconds) * rate));
  const [gl, gr] = panGains(pan);
  for (let i = start; i < end; i++) {
    const v = sample(i / rate - time);
    out.left[i] += v * gl;
    out.right[i] += v * gr;
  }
}

/** Smooth (sine-squared) attack, hold, smooth release: no clicks at either end of a note. */
function envelope(t: number, attack: number, hold: number, release: number): number {
  if (t < attack) return Math.sin((Math.PI / 2) * (t / attack)) ** 2;
  if (t < hold) return 1;
  if (t < hold + release) return Math.cos((Math.PI / 2) * ((t - hold) / release)) ** 2;
  return 0;
}

/** Options for {@link pad}: harmonic amplitudes (1st, 2nd, ...), slow envelope, chorus detune. */
export interface PadOptions {
  partials: readonly number[];
  attack: number;
  release: number;
  detuneCents: number;
}

/** A sustained additive tone, doubled and detuned left and right for width (pads, strings, drones). */
export function pad(out: StereoPcm, note: Note, options: PadOptions): void {
  const hold = Math.max(note.length, options.attack);
  for (const side of [-1, 1]) {
    const freq = note.freq * 2 ** ((side * options.detuneCents) / 1200);
    // Harmonics at or above 0.45 x the sample rate would alias; they are dropped.
    const count = Math.min(options.partials.length, Math.floor((0.45 * out.sampleRate) / freq));
    const amps = options.partials.slice(0, count);
    const w = TAU * freq;
    const spread = Math.max(-1, Math.min(1, note.pan + side * 0.35));
    mix(out, note.time, hold + options.release, spread, (t) => {
      const env = envelope(t, options.attack, hold, options.release);
      if (env === 0) return 0;
      // sin(kx) by the Chebyshev recurrence: two trig calls per sample instead of one per harmonic.
      const c2 = 2 * Math.cos(w * t);
      let previous = 0;
      let current = Math.sin(w * t);
      let s = 0;
      for (const amp of amps) {
        s += amp * current;
        const next = c2 * current - previous;
        previous = current;
        current = next;
      }
      return 0.5 * note.gain * env * s;
    });
  }
}

/** Options for {@link fm}: modulator ratio, modulation index and its decay, amplitude decay (seconds). */
export interface FmOptions {
  ratio: number;
  index: number;
  indexDecay: number;
  decay: number;
}

/** A struck or plucked two-operator FM tone: bright at the onset, mellowing as the index decays. */
export function fm(out: StereoPcm, note: Note, options: FmOptions): void {
  const wc = TAU * note.freq;
  const wm = wc * options.ratio;
  // Decays well past the note's length; the note's length cuts it with a short release.
  const hold = note.length;
  mix(out, note.time, hold + 0.05, note.pan, (t) => {
    const amp = envelope(t, 0.003, hold, 0.05) * Math.exp(-t / options.decay);
    const index = options.index * Math.exp(-t / options.indexDecay);
    return note.gain * amp * Math.sin(wc * t + index * Math.sin(wm * t));
  });
}

/** A bass tone: sine with a little 2nd and 3rd harmonic so small speakers still hint at it. */
export function bass(out: StereoPcm, note: Note): void {
  const w = TAU * note.freq;
  mix(out, note.time, note.length + 0.08, note.pan, (t) => {
    const env = envelope(t, 0.01, note.length, 0.08);
    return note.gain * env * (Math.sin(w * t) + 0.3 * Math.sin(2 * w * t) + 0.1 * Math.sin(3 * w * t));
  });
}

/** A kick drum: a sine whose pitch falls from ~150 Hz to `note.freq` with a short decay. */
export function kick(out: StereoPcm, note: Note, decay = 0.22): void {
  let phase = 0;
  const dt = 1 / out.sampleRate;
  mix(out, note.time, decay * 4, note.pan, (t) => {
    phase += TAU * (note.freq + 100 * Math.exp(-t / 0.03)) * dt;
    return note.gain * envelope(t, 0.002, 0, decay * 4) * Math.exp(-t / decay) * Math.sin(phase);
  });
}

/** A noise burst, high-passed (a hat) or not (a swish), from its own seeded noise so it repeats exactly. */
export function noise(
  out: StereoPcm,
  note: Note,
  options: { decay: number; highPass: boolean; seed: number },
) {
  const random = seededRandom(options.seed);
  let previous = 0;
  mix(out, note.time, options.decay * 5, note.pan, (t) => {
    const white = random() * 2 - 1;
    const value = options.highPass ? white - previous : white;
    previous = white;
    return note.gain * envelope(t, 0.001, 0, options.decay * 5) * Math.exp(-t / options.decay) * value;
  });
}

const BELL_PARTIALS = [
  { ratio: 1, amp: 1, decay: 2.2 },
  { ratio: 2.76, amp: 0.45, decay: 1.1 },
  { ratio: 5.4, amp: 0.2, decay: 0.55 },
  { ratio: 8.93, amp: 0.08, decay: 0.3 },
];

/** A soft bell: inharmonic partials, the higher ones dying first. */
export function bell(out: StereoPcm, note: Note): void {
  mix(out, note.time, note.length + 0.1, note.pan, (t) => {
    let s = 0;
    for (const p of BELL_PARTIALS)
      s += p.amp * Math.exp(-t / p.decay) * Math.sin(TAU * note.freq * p.ratio * t);
    return note.gain * envelope(t, 0.004, note.length, 0.1) * s;
  });
}
