/**
 * The recommended prompt (`is_rec`): a prompt written from the keyframes, whose camera words drive the camera
 * layer.
 */
export {
  PROMPT_WORKING_SIZE,
  recommendPrompt,
  type PromptFacts,
  type RecommendedPrompt,
  type RecommendPromptOptions,
} from './recommend-prompt.js';
export { MAX_PROMPT_LENGTH } from './compose-prompt.js';
export type { MeasuredCamera } from './camera-analysis.js';
export type { ImageLayout } from './single-image-move.js';
export type { PaletteColour } from './palette.js';
export type { SubjectMotion } from './subject-motion.js';
export type { ToneChange } from './tone-change.js';
