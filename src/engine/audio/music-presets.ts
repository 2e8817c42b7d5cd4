import { bass, bell, fm, kick, noise, pad, type Note } from './voices.js';
import type { StereoPcm } from './stereo-pcm.js';

/** The generated music the engine can put under a video. */
export const MUSIC_PRESET_IDS = [
  'calm-pad',
  'upbeat-pluck',
  'cinematic-swell',
  'ambient-drone',
  'playful-mallets',
] as const;
export type MusicPresetId = (typeof MUSIC_PRESET_IDS)[number];

/** What a preset is, for reports and for {@link chooseMusic}. */
export interface MusicPresetInfo {
  id: MusicPresetId;
  mood: string;
  bpm: number;
  /** Fade-in, seconds; capped at a fifth of the clip. Short for rhythmic presets so the first beat lands. */
  fadeIn: number;
}

/** Everything a preset's composer needs: where to write, how long, and its seeded choices. */
export interface CompositionContext {
  out: StereoPcm;
  duration: number;
  random: () => number;
}

interface MusicPreset extends MusicPresetInfo {
  compose(context: CompositionContext): void;
}

const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const MINOR = [0, 2, 3, 5, 7, 8, 10];

const hz = (midi: number): number => 440 * 2 ** ((midi - 69) / 12);

function scaleNote(root: number, scale: readonly number[], degree: number): number {
  const octave = Math.floor(degree / 7);
  return root + 12 * octave + scale[((degree % 7) + 7) % 7];
}

/** The triad on a scale degree, as MIDI notes. */
function triad(root: number, scale: readonly number[], degree: number): number[] {
  return [0, 2, 4].map((k) => scaleNote(root, scale, degree + k));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length) % items.length];
}

/**
 * Chord slots of `slotSeconds` covering the clip, following the progression; when the clip holds three or more,
 * the last one returns to the tonic so the music resolves as it fades.
 */
function chordSlots(duration: number, slotSeconds: number, progression: readonly number[]) {
  const count = Math.max(1, Math.ceil(duration / slotSeconds - 0.05));
  return Array.from({ length: count }, (_, i) => ({
    time: i * slotSeconds,
    length: slotSeconds,
    degree: count >= 3 && i === count - 1 ? 0 : progression[i % progression.length],
  }));
}

const note = (time: number, length: number, midi: number, gain: number, pan = 0): Note => ({
  time,
  length,
  freq: hz(midi),
  gain,
  pan,
});

const calmPad: MusicPreset = {
  id: 'calm-pad',
  mood: 'calm',
  bpm: 70,
  fadeIn: 0.6,
  compose({ out, duration, random }) {
    const beat = 60 / this.bpm;
    const root = pick(random, [57, 60, 62, 55]);
    const progression = pick(random, [
      [0, 5, 3, 4],
      [0, 3, 5, 4],
      [0, 4, 5, 3],
    ]);
    const partials = [1, 0.45, 0.25, 0.14, 0.08, 0.05];
    for (const slot of chordSlots(duration, 4 * beat, progression)) {
      const chord = triad(root, MAJOR, slot.degree);
      chord.forEach((midi, k) =>
        pad(out, note(slot.time, slot.length, midi, 0.16, (k - 1) * 0.4), {
          partials,
          attack: Math.min(0.8, slot.length / 3),
          release: 0.9,
          detuneCents: 7,
        }),
      );
      bass(out, note(slot.time, slot.length, chord[0] - 12, 0.18));
      // A quiet chord tone every two beats, an octave up: movement without a beat.
      for (let t = slot.time + beat; t < slot.time + slot.length; t += 2 * beat) {
        const midi = pick(random, chord) + 12;
        pad(out, note(t, beat, midi, 0.05, random() * 1.2 - 0.6), {
          partials: [1, 0.2],
          attack: 0.15,
          release: 0.6,
          detuneCents: 3,
        });
      }
    }
  },
};

const upbeatPluck: MusicPreset = {
  id: 'upbeat-pluck',
  mood: 'upbeat',
  bpm: 120,
  fadeIn: 0.02,
  compose({ out, duration, random }) {
    const beat = 60 / this.bpm;
    const root = pick(random, [60, 62, 64, 57]);
    const progression = pick(random, [
      [0, 4, 5, 3],
      [0, 5, 3, 4],
      [5, 3, 0, 4],
    ]);
    // An eight-step arpeggio over chord tones 0..4 (two octaves), drawn once per seed and repeated per chord.
    const pattern = Array.from({ length: 8 }, (_, i) => (i === 0 ? 0 : Math.floor(random() * 5)));
    for (const slot of chordSlots(duration, 4 * beat, progression)) {
      const chord = triad(root, MAJOR, slot.degree);
      const tones = [...chord, chord[0] + 12, chord[1] + 12];
      for (let step = 0; step < 8; step++) {
        const t = slot.time + step * (beat / 2);
        const pan = step % 2 === 0 ? -0.3 : 0.3;
        fm(out, note(t, beat / 2, tones[pattern[step]], 0.22, pan), {
          ratio: 2,
          index: 2.2,
          indexDecay: 0.08,
          decay: 0.2,
        });
        if (step % 2 === 0) {
          kick(out, note(t, 0, 48, 0.5));
          bass(out, note(t, beat * 0.45, chord[0] - 24, 0.2));
        } else {
          noise(out, note(t, 0, 0, 0.06, 0.2), { decay: 0.015, highPass: true, seed: step });
        }
      }
    }
  },
};

const cinematicSwell: MusicPreset = {
  id: 'cinematic-swell',
  mood: 'cinematic',
  bpm: 76,
  fadeIn: 0.3,
  compose({ out, duration, random }) {
    const beat = 60 / this.bpm;
    const root = pick(random, [50, 52, 55, 57]);
    const progression = pick(random, [
      [0, 5, 2, 6],
      [0, 3, 5, 4],
      [0, 5, 3, 4],
    ]);
    const saw = Array.from({ length: 10 }, (_, k) => 1 / (k + 1));
    // The swell: everything grows from a third to full level across the clip.
    const level = (t: number): number => 0.35 + 0.65 * Math.min(1, t / duration);
    kick(out, note(0, 0, 36, 0.6), 0.6);
    noise(out, note(0, 0, 0, 0.05), { decay: 0.4, highPass: false, seed: 7 });
    for (const slot of chordSlots(duration, 4 * beat, progression)) {
      const chord = triad(root, MINOR, slot.degree);
      const voicing = [chord[0] - 12, ...chord, chord[2] + 12];
      voicing.forEach((midi, k) =>
        pad(out, note(slot.time, slot.length, midi, 0.09 * level(slot.time), (k - 2) * 0.25), {
          partials: saw,
          attack: Math.min(1.2, slot.length / 2),
          release: 1,
          detuneCents: 9,
        }),
      );
      // An eighth-note ostinato on the chord's root and fifth, rising with the swell.
      for (let step = 0; step < 8; step++) {
        const t = slot.time + step * (beat / 2);
        const midi = (step % 4 === 3 ? chord[2] : chord[0]) + 12;
        fm(out, note(t, beat / 2, midi, 0.1 * level(t), random() * 0.6 - 0.3), {
          ratio: 1,
          index: 1.2,
          indexDecay: 0.1,
          decay: 0.25,
        });
      }
    }
  },
};

const ambientDrone: MusicPreset = {
  id: 'ambient-drone',
  mood: 'ambient',
  bpm: 50,
  fadeIn: 1,
  compose({ out, duration, random }) {
    const root = pick(random, [45, 47, 48, 50]);
    const drone = { partials: [1, 0.3, 0.12, 0.05], attack: Math.min(1.5, duration / 3), release: 1 };
    pad(out, note(0, duration, root - 12, 0.35), { ...drone, detuneCents: 4 });
    pad(out, note(0, duration, root - 5, 0.2, -0.3), { ...drone, detuneCents: 6 });
    pad(out, note(0, duration, root, 0.16, 0.3), { ...drone, detuneCents: 8 });
    // Sparse pentatonic bells at seeded times, about one every 1.2 s, high and quiet.
    const pentatonic = [0, 3, 5, 7, 10, 12, 15];
    for (let t = 0.3 + random() * 0.6; t < duration - 0.3; t += 0.8 + random() * 0.9) {
      bell(out, note(t, 2.5, root + 24 + pick(random, pentatonic), 0.07, random() * 1.4 - 0.7));
    }
  },
};

const playfulMallets: MusicPreset = {
  id: 'playful-mallets',
  mood: 'playful',
  bpm: 108,
  fadeIn: 0.02,
  compose({ out, duration, random }) {
    const beat = 60 / this.bpm;
    const root = pick(random, [60, 62, 65, 67]);
    const progression = pick(random, [
      [0, 3, 4, 0],
      [0, 5, 3, 4],
      [0, 3, 0, 4],
    ]);
    const pentatonic = [0, 2, 4, 7, 9, 12, 14, 16];
    const marimba = { ratio: 4, index: 2.5, indexDecay: 0.02, decay: 0.3 };
    let position = Math.floor(random() * 4);
    for (const slot of chordSlots(duration, 4 * beat, progression)) {
      const chord = triad(root, MAJOR, slot.degree);
      for (let step = 0; step < 8; step++) {
        const t = slot.time + step * (beat / 2);
        // A random walk over the pentatonic scale, with a rest now and then.
        position = Math.max(0, Math.min(pentatonic.length - 1, position + Math.floor(random() * 5) - 2));
        if (step === 0 || random() > 0.2) {
          fm(out, note(t, beat / 2, root + 12 + pentatonic[position], 0.2, position / 8 - 0.4), marimba);
        }
        if (step % 4 === 0) fm(out, note(t, beat, chord[0] - 12, 0.25, 0), { ...marimba, decay: 0.5 });
        if (step % 2 === 1) {
          fm(out, note(t, 0.05, 84, 0.05, 0.5), { ratio: 3.5, index: 4, indexDecay: 0.005, decay: 0.02 });
        }
      }
    }
  },
};

const PRESETS: Record<MusicPresetId, MusicPreset> = {
  'calm-pad': calmPad,
  'upbeat-pluck': upbeatPluck,
  'cinematic-swell': cinematicSwell,
  'ambient-drone': ambientDrone,
  'playful-mallets': playfulMallets,
};

/** The preset's description and its composer; throws the sharp way for an unknown id. */
export function musicPreset(id: MusicPresetId): MusicPreset {
  if (!Object.hasOwn(PRESETS, id)) {
    throw new RangeError(
      `Expected one of ${MUSIC_PRESET_IDS.join(', ')} for preset but received ${String(id)}`,
    );
  }
  return PRESETS[id];
}

/** Mood, tempo and fade-in of every preset, in {@link MUSIC_PRESET_IDS} order. */
export const MUSIC_PRESETS: readonly MusicPresetInfo[] = MUSIC_PRESET_IDS.map((id) => {
  const { mood, bpm, fadeIn } = PRESETS[id];
  return { id, mood, bpm, fadeIn };
});
