import { cameraWordsIn, type CameraMove } from './camera-words.js';

export type MovementAmplitude = 'auto' | 'small' | 'medium' | 'large';

/** What the camera layer will do over the whole clip. */
export interface CameraPlan {
  readonly move: CameraMove;
  /** Fraction of the frame the move reaches at its peak (0 for static). */
  readonly strength: number;
  /**
   * true: two keyframes bound the clip, so the move rises and returns to zero at both ends (the endpoints
   * stay exact). false: one image, the move runs from zero at the start to its full strength at the end.
   */
  readonly bounded: boolean;
  /** Where the reason for this plan came from, for the task's metadata and the CLI. */
  readonly source: 'prompt' | 'amplitude' | 'auto';
}

export interface CameraPlanInput {
  readonly prompt: string;
  readonly amplitude: MovementAmplitude;
  /** true when only a start frame was given (image-to-video). */
  readonly singleImage: boolean;
  /** Median motion between the keyframes as a fraction of the frame diagonal (0 for one image). */
  readonly pairMotion: number;
  /** A deterministic 0..1 draw from the seed, used where the request leaves a choice open. */
  readonly choice: number;
}

const STRENGTH: Record<Exclude<MovementAmplitude, 'auto'>, number> = {
  small: 0.05,
  medium: 0.1,
  large: 0.18,
};

/** Below this much motion between the keyframes the pair looks frozen, and auto adds a gentle camera move. */
const STILL_PAIR = 0.01;
/** Above this, the keyframes already move a lot; auto keeps any requested camera move small. */
const BUSY_PAIR = 0.05;

const SINGLE_IMAGE_MOVES: readonly CameraMove[] = [
  'push-in',
  'pan-left',
  'pan-right',
  'orbit-left',
  'orbit-right',
];

/**
 * Decides the camera layer from the prompt's camera words, `movement_amplitude` and how much the pair already
 * moves. Camera words pick the move; the amplitude picks its strength, and `auto` scales it down when the
 * keyframes already carry a lot of motion, so the camera never fights the scene.
 */
export function planCamera(input: CameraPlanInput): CameraPlan {
  const words = cameraWordsIn(input.prompt);
  const bounded = !input.singleImage;
  if (words === 'static') return { move: 'static', strength: 0, bounded, source: 'prompt' };

  const autoStrength = input.singleImage
    ? STRENGTH.medium
    : input.pairMotion < STILL_PAIR
      ? STRENGTH.small
      : input.pairMotion > BUSY_PAIR
        ? STRENGTH.small * 0.6
        : STRENGTH.small;
  const strength = input.amplitude === 'auto' ? autoStrength : STRENGTH[input.amplitude];

  if (words !== null) {
    const move = words === 'orbit' ? (input.choice < 0.5 ? 'orbit-left' : 'orbit-right') : words;
    return { move, strength, bounded, source: 'prompt' };
  }
  if (input.singleImage) {
    const move = SINGLE_IMAGE_MOVES[Math.min(SINGLE_IMAGE_MOVES.length - 1, Math.floor(input.choice * 5))];
    return { move, strength, bounded, source: input.amplitude === 'auto' ? 'auto' : 'amplitude' };
  }
  if (input.amplitude !== 'auto') return { move: 'push-in', strength, bounded, source: 'amplitude' };
  // A pair that already moves carries its own motion; only a near-frozen pair gets a gentle push in.
  if (input.pairMotion < STILL_PAIR) return { move: 'push-in', strength, bounded, source: 'auto' };
  return { move: 'static', strength: 0, bounded, source: 'auto' };
}
