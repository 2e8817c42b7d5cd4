import type { CameraMove } from '../camera/camera-words.js';
import type { RgbImage } from '../raster/types.js';
import {
  classifyCamera,
  globalHomography,
  looksStatic,
  measureCamera,
  type MeasuredCamera,
} from './camera-analysis.js';
import { denseMotion, similarityFromFlow } from './flow-camera.js';
import { composePrompt } from './compose-prompt.js';
import { dominantColours, type PaletteColour } from './palette.js';
import { chooseSingleImageMove, measureLayout, type ImageLayout } from './single-image-move.js';
import { findSubjectMotion, type SubjectMotion } from './subject-motion.js';
import { measureToneChange, type ToneChange } from './tone-change.js';
import { workingSize } from '../raster/planes.js';
import { workingCopy } from './working-copy.js';

/** Long side of the copies every measurement runs on, px. */
export const PROMPT_WORKING_SIZE = 288;

/** Under this much movement (fraction of the frame, or log zoom) a measured move is described as slow. */
const GENTLE_MOVE = 0.04;

export interface RecommendPromptOptions {
  /** The first keyframe. */
  readonly start: RgbImage;
  /** The last keyframe, or null for image-to-video. Resized to the start frame's working size if it differs. */
  readonly end: RgbImage | null;
  /** The request's seed; only breaks ties in the single-image camera choice. */
  readonly seed: number;
}

/** What the prompt was written from, for the task's metadata and for tests. */
export interface PromptFacts {
  /** Size of the copies analysed, px. */
  readonly width: number;
  readonly height: number;
  /**
   * Where the camera move came from: 'measured' by the global homography, read off the dense 'flow' when no
   * homography fits (parallax), 'unchanged' frames (static), chosen from the 'content' of a single image, or
   * 'none' when two frames share no measurable motion.
   */
  readonly cameraSource: 'measured' | 'flow' | 'unchanged' | 'content' | 'none';
  /** The measured move, when there was one. */
  readonly measured: MeasuredCamera | null;
  /** The single image's layout, when the move was chosen from it. */
  readonly layout: ImageLayout | null;
  readonly subject: SubjectMotion | null;
  readonly tone: ToneChange | null;
  readonly palette: readonly PaletteColour[];
}

export interface RecommendedPrompt {
  /** One or two English sentences, under 300 characters, camera phrase first. */
  readonly prompt: string;
  /** The move the prompt's camera words name (cameraWordsIn(prompt) returns it), or null when it names none. */
  readonly camera: CameraMove | null;
  readonly facts: PromptFacts;
}

/**
 * Writes a video prompt from the keyframes themselves, for `is_rec`: the camera move from the global motion
 * (or, for one image, a gentle move that suits its layout), the main subject's motion beyond the camera's, the
 * change of light and colour, and the scene's dominant colours. Deterministic: the same frames and seed give
 * the same prompt. Everything is measured on copies about 288 px across, so the cost does not grow with the
 * frame size beyond one resize.
 */
export function recommendPrompt(options: RecommendPromptOptions): RecommendedPrompt {
  const { start, end, seed } = options;
  const size = workingSize(start.width, start.height, PROMPT_WORKING_SIZE);
  const a = workingCopy(start, size.width, size.height);
  if (end === null) {
    const layout = measureLayout(a.luma);
    const camera = chooseSingleImageMove(layout, seed);
    const palette = dominantColours([a]);
    const facts: PromptFacts = {
      ...size,
      cameraSource: 'content',
      measured: null,
      layout,
      subject: null,
      tone: null,
      palette,
    };
    return {
      prompt: composePrompt({ camera, gentle: true, palette, subject: null, tone: null }),
      camera,
      facts,
    };
  }

  const b = workingCopy(end, size.width, size.height);
  let homography = globalHomography(a.luma, b.luma);
  let cameraSource: PromptFacts['cameraSource'] = 'measured';
  const motion = denseMotion(a.luma, b.luma, homography);
  if (homography === null) {
    if (looksStatic(a.luma, b.luma)) {
      cameraSource = 'unchanged';
    } else {
      // Parallax (a camera travelling through the scene) defeats a single homography; the flow still shows it.
      homography = similarityFromFlow(motion);
      cameraSource = homography === null ? 'none' : 'flow';
    }
  }
  const subject = findSubjectMotion(motion, homography);
  const measured = homography === null ? null : measureCamera(homography, size.width, size.height);
  const camera: CameraMove | null =
    cameraSource === 'unchanged' ? 'static' : measured === null ? null : classifyCamera(measured);
  const tone = measureToneChange(a, b);
  const palette = dominantColours([a, b]);
  const gentle = measured !== null && moveSize(measured) < GENTLE_MOVE;
  return {
    prompt: composePrompt({ camera, gentle, palette, subject, tone }),
    camera,
    facts: { ...size, cameraSource, measured, layout: null, subject, tone, palette },
  };
}

function moveSize(camera: MeasuredCamera): number {
  return Math.max(
    Math.abs(camera.panX),
    Math.abs(camera.panY),
    Math.abs(Math.log(camera.zoom)),
    Math.abs(camera.rotation),
  );
}
