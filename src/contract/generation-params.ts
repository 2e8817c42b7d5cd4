import { apiError } from './api-error.js';
import { describeValue } from './describe-value.js';
import { parseImageSource, type ImageSource } from './image-source.js';
import {
  booleanParam,
  enumParam,
  httpUrlParam,
  integerParam,
  jsonObjectStringParam,
  stringParam,
  type ParamSpec,
} from './param-spec.js';

/** The only model this service implements. */
export const MODEL_ID = 'viduq2_pro_start_end2video';

/** Output resolutions. */
export const RESOLUTIONS = ['540p', '720p', '1080p'] as const;
/** An output resolution. */
export type Resolution = (typeof RESOLUTIONS)[number];

/** Camera movement strengths. */
export const MOVEMENT_AMPLITUDES = ['auto', 'small', 'medium', 'large'] as const;
/** A camera movement strength. */
export type MovementAmplitude = (typeof MOVEMENT_AMPLITUDES)[number];

/** Largest seed: the engine's seeds are unsigned 32-bit. */
export const MAX_SEED = 2 ** 32 - 1;

/** The spec's parameters after validation: every field present, defaults filled in. */
export interface GenerationParams {
  /** 1 or 2 entries: the start frame, then the end frame. */
  images: ImageSource[];
  /** Empty when not given. */
  prompt: string;
  is_rec: boolean;
  /** Seconds, 1..8. */
  duration: number;
  /** 0 means "pick one at random"; the task layer picks it and reports it in `metadata.seed`. */
  seed: number;
  resolution: Resolution;
  movement_amplitude: MovementAmplitude;
  bgm: boolean;
  /** Pass-through, empty when not given. */
  payload: string;
  off_peak: boolean;
  watermark: boolean;
  /** 1 top-left, 2 top-right, 3 bottom-right, 4 bottom-left. */
  wm_position: number;
  /** Normalised http(s) URL of the watermark image, or null for the default text watermark. */
  wm_url: string | null;
  /** The JSON object text as sent, or null for the default AIGC label. */
  meta_data: string | null;
  /** Normalised http(s) URL, or null. */
  callback_url: string | null;
}

function imagesParam(description: string): ParamSpec<ImageSource[]> {
  return {
    missing: (name) => apiError('002014001', { param: name, values: { received: 'none' } }),
    default: [],
    parse(value, name) {
      if (!Array.isArray(value)) {
        throw apiError('002014010', {
          param: name,
          values: { expected: 'an array of 1 or 2 image URLs or data URIs', received: describeValue(value) },
        });
      }
      if (value.length === 0) throw apiError('002014001', { param: name, values: { received: 'none' } });
      if (value.length > 2) {
        throw apiError('002014002', { param: name, values: { received: `${value.length} images` } });
      }
      return value.map((entry: unknown, index) => {
        const param = `${name}[${index}]`;
        if (entry === '' || entry === null) {
          throw apiError('002014001', { param, values: { received: describeValue(entry) } });
        }
        if (typeof entry !== 'string') {
          throw apiError('002014010', {
            param,
            values: { expected: 'an image URL or data URI string', received: describeValue(entry) },
          });
        }
        return parseImageSource(entry, param);
      });
    },
    schema: {
      type: 'array',
      minItems: 1,
      maxItems: 2,
      items: {
        type: 'string',
        pattern: '^(https?://|data:image/(png|jpeg|jpg|webp);base64,)',
        description: 'An http(s) URL or a data:image/<png|jpeg|jpg|webp>;base64,<data> URI',
      },
      description,
    },
  };
}

/**
 * Every parameter of the spec, in the order they are checked (the first error found is the one answered).
 * The validator ({@link parseGenerationParams}) and the JSON Schema are both generated from this table.
 */
export const GENERATION_PARAMS: { readonly [K in keyof GenerationParams]: ParamSpec<GenerationParams[K]> } = {
  images: imagesParam(
    'Start and end frame: 1 or 2 images (http(s) URL or base64 data URI; png, jpeg, jpg, webp; at most 50 MB). ' +
      'One image makes a video from a start frame.',
  ),
  prompt: stringParam({
    maxLength: 2000,
    tooLongCode: '002014009',
    description: 'Text description of the video, at most 2000 characters; ignored when is_rec is true.',
  }),
  is_rec: booleanParam({
    default: false,
    description: 'Use a recommended prompt instead of prompt (costs extra).',
  }),
  duration: integerParam({ min: 1, max: 8, default: 5, description: 'Video duration in seconds.' }),
  seed: integerParam({
    min: 0,
    max: MAX_SEED,
    default: 0,
    description: 'Random seed; 0 or absent picks one at random, reported in metadata.seed.',
  }),
  resolution: enumParam({ options: RESOLUTIONS, default: '720p', description: 'Output resolution.' }),
  movement_amplitude: enumParam({
    options: MOVEMENT_AMPLITUDES,
    default: 'auto',
    description: 'Camera movement amplitude.',
  }),
  bgm: booleanParam({ default: false, description: 'Add background music.' }),
  payload: stringParam({
    maxLength: 1_048_576,
    description: 'Pass-through data returned in metadata.payload, at most 1048576 characters.',
  }),
  off_peak: booleanParam({
    default: false,
    description:
      'Run when the service is idle, at a discount; cancelled and refunded if not started within 48 h.',
  }),
  watermark: booleanParam({ default: false, description: 'Add a watermark.' }),
  wm_position: integerParam({
    min: 1,
    max: 4,
    default: 3,
    description: 'Watermark position: 1 top-left, 2 top-right, 3 bottom-right, 4 bottom-left.',
  }),
  wm_url: httpUrlParam({ description: 'Watermark image URL; the default is an "AI Generated" text mark.' }),
  meta_data: jsonObjectStringParam({
    description:
      'A JSON object as a string, embedded as the AIGC implicit label; a default label when empty.',
  }),
  callback_url: httpUrlParam({ description: 'URL that receives the task object on every status change.' }),
};

/** The parameter names in table order. */
export const GENERATION_PARAM_NAMES = Object.keys(GENERATION_PARAMS) as (keyof GenerationParams)[];

/**
 * Validates the spec's parameters from a plain object of raw values (the merged body) and fills in defaults.
 * Null counts as absent (clients that serialise unset fields as null still get the defaults); unknown keys are
 * ignored, as hosted APIs do. Throws the first {@link ApiError} in table order.
 */
export function parseGenerationParams(raw: Readonly<Record<string, unknown>>): GenerationParams {
  const parsed: Record<string, unknown> = {};
  for (const name of GENERATION_PARAM_NAMES) {
    const spec: ParamSpec<unknown> = GENERATION_PARAMS[name];
    const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (value === undefined || value === null) {
      if (spec.missing !== undefined) throw spec.missing(name);
      parsed[name] = spec.default;
    } else {
      parsed[name] = spec.parse(value, name);
    }
  }
  // Each key was set from its own spec, whose type the mapped table ties to GenerationParams.
  return parsed as unknown as GenerationParams;
}
