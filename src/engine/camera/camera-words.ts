/** The camera moves the renderer can add on top of the keyframes' own motion. */
export type CameraMove =
  | 'static'
  | 'push-in'
  | 'pull-out'
  | 'pan-left'
  | 'pan-right'
  | 'tilt-up'
  | 'tilt-down'
  | 'orbit-left'
  | 'orbit-right';

export const CAMERA_MOVES: readonly CameraMove[] = [
  'static',
  'push-in',
  'pull-out',
  'pan-left',
  'pan-right',
  'tilt-up',
  'tilt-down',
  'orbit-left',
  'orbit-right',
];

const PATTERNS: ReadonlyArray<readonly [RegExp, CameraMove | 'orbit']> = [
  [
    /\b(push(es|ed|ing)?|dolly|dollies|dollying|zoom(s|ed|ing)?|mov(e|es|ing) )\s*in(to|wards?)?\b/,
    'push-in',
  ],
  [/\b(pull(s|ed|ing)?\s*(out|back)|zoom(s|ed|ing)?\s*out|dolly(ing)?\s*out|widens?)\b/, 'pull-out'],
  [/\bpan(s|ned|ning)?\s*(to\s*the\s*)?left\b/, 'pan-left'],
  [/\bpan(s|ned|ning)?\s*(to\s*the\s*)?right\b/, 'pan-right'],
  [/\btilt(s|ed|ing)?\s*up(wards?)?\b/, 'tilt-up'],
  [/\btilt(s|ed|ing)?\s*down(wards?)?\b/, 'tilt-down'],
  [
    /\b(orbit(s|ed|ing)?|arc(s|ing)?|circl(e|es|ing))\s*(around\s*(\w+\s*){0,3})?(to\s*the\s*)?left\b/,
    'orbit-left',
  ],
  [
    /\b(orbit(s|ed|ing)?|arc(s|ing)?|circl(e|es|ing))\s*(around\s*(\w+\s*){0,3})?(to\s*the\s*)?right\b/,
    'orbit-right',
  ],
  [/\b(orbit(s|ed|ing)?|arc(s|ing)? around|circl(e|es|ing) around)\b/, 'orbit'],
  [/\b(static|still|locked[- ]off|fixed|stationary|tripod)\s*(camera|shot|view)?\b/, 'static'],
];

/**
 * Finds the camera move a prompt asks for: the earliest camera phrase in the text wins, so "pan left, then
 * static" pans. `orbit` without a side returns 'orbit' and the caller picks the side (from the seed).
 */
export function cameraWordsIn(prompt: string): CameraMove | 'orbit' | null {
  const text = prompt.toLowerCase();
  let best: { index: number; move: CameraMove | 'orbit' } | null = null;
  for (const [pattern, move] of PATTERNS) {
    const match = pattern.exec(text);
    if (match && (best === null || match.index < best.index)) best = { index: match.index, move };
  }
  return best?.move ?? null;
}
