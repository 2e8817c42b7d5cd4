import type { CameraMove } from '../camera/camera-words.js';
import type { PaletteColour } from './palette.js';
import type { SubjectMotion } from './subject-motion.js';
import type { ToneChange } from './tone-change.js';

/** The spec's prompt is free text; the recommended one stays well inside a short, readable length. */
export const MAX_PROMPT_LENGTH = 300;

/** Light changes under this many luma levels (0..255) go unmentioned. */
const LIGHT_MIN = 10;
/** Warmth (mean red minus blue) and saturation changes under these go unmentioned. */
const WARMTH_MIN = 14;
const SATURATION_MIN = 0.08;

/**
 * The opening of each camera sentence. Every phrase is one cameraWordsIn recognises, and it comes first in the
 * prompt because the earliest camera phrase wins; the rest of the prompt avoids camera words ("still", "moves
 * in", "widens").
 */
const CAMERA_PHRASES: Record<CameraMove, string> = {
  static: 'A static camera holds on',
  'push-in': 'The camera %pushes in on',
  'pull-out': 'The camera %pulls out from',
  'pan-left': 'The camera %pans left across',
  'pan-right': 'The camera %pans right across',
  'tilt-up': 'The camera %tilts up over',
  'tilt-down': 'The camera %tilts down over',
  'orbit-left': 'The camera %orbits left around',
  'orbit-right': 'The camera %orbits right around',
};

export interface PromptParts {
  readonly camera: CameraMove | null;
  /** Adds "slowly" to the camera phrase. */
  readonly gentle: boolean;
  readonly palette: readonly PaletteColour[];
  readonly subject: SubjectMotion | null;
  readonly tone: ToneChange | null;
}

/** Writes the one- or two-sentence prompt; the second sentence's clauses are dropped from the end if too long. */
export function composePrompt(parts: PromptParts): string {
  const scene = `a scene in ${listWords(parts.palette.map((c) => c.name))} tones`;
  const first =
    parts.camera === null
      ? capitalise(scene)
      : `${CAMERA_PHRASES[parts.camera].replace('%', parts.gentle ? 'slowly ' : '')} ${scene}`;
  const clauses = [
    parts.subject ? subjectClause(parts.subject) : null,
    parts.tone ? lightClause(parts.tone) : null,
    parts.tone ? colourClause(parts.tone) : null,
  ].filter((c): c is string => c !== null);
  for (let kept = clauses.length; kept >= 0; kept--) {
    const prompt = kept === 0 ? `${first}.` : `${first}. ${secondSentence(clauses.slice(0, kept), parts)}.`;
    if (prompt.length < MAX_PROMPT_LENGTH) return prompt;
  }
  return `${first}.`.slice(0, MAX_PROMPT_LENGTH - 1);
}

function secondSentence(clauses: readonly string[], parts: PromptParts): string {
  // A subject clause leads and the scene's changes follow it ("as the light dims").
  if (parts.subject !== null && clauses.length > 1) {
    return capitalise(`${clauses[0]} as ${listWords(clauses.slice(1))}`);
  }
  return capitalise(listWords(clauses));
}

function subjectClause(subject: SubjectMotion): string {
  return `a subject ${placeWords(subject.x, subject.y)} moves ${directionWords(subject.dx, subject.dy)}`;
}

/** "on the left", "at the top right", "in the centre". */
export function placeWords(x: number, y: number): string {
  const column = x < 1 / 3 ? 'left' : x > 2 / 3 ? 'right' : '';
  const row = y < 1 / 3 ? 'top' : y > 2 / 3 ? 'bottom' : '';
  if (row === '' && column === '') return 'in the centre';
  if (row === '') return `on the ${column}`;
  return column === '' ? `at the ${row}` : `at the ${row} ${column}`;
}

/** Eight compass words for a screen direction (y down). */
export function directionWords(dx: number, dy: number): string {
  const sector = (Math.round(Math.atan2(dy, dx) / (Math.PI / 4)) + 8) % 8;
  return [
    'to the right',
    'down and to the right',
    'downward',
    'down and to the left',
    'to the left',
    'up and to the left',
    'upward',
    'up and to the right',
  ][sector];
}

function lightClause(tone: ToneChange): string | null {
  const change = tone.endLuma - tone.startLuma;
  if (Math.abs(change) < LIGHT_MIN) return null;
  return change > 0 ? 'the light brightens' : 'the light dims';
}

/** The larger of the warmth and saturation changes, each against its own threshold. */
function colourClause(tone: ToneChange): string | null {
  const warmth = Math.abs(tone.warmth) / WARMTH_MIN;
  const saturation = Math.abs(tone.saturation) / SATURATION_MIN;
  if (Math.max(warmth, saturation) < 1) return null;
  if (warmth >= saturation) return tone.warmth > 0 ? 'the tones turn warmer' : 'the tones turn cooler';
  return tone.saturation > 0 ? 'the colours grow richer' : 'the colours fade';
}

function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? 'muted';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
