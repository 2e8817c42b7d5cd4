import { apiError } from './api-error.js';
import { describeValue } from './describe-value.js';
import {
  GENERATION_PARAM_NAMES,
  MODEL_ID,
  parseGenerationParams,
  type GenerationParams,
} from './generation-params.js';

/** A validated create request: the model and every parameter, defaults filled in. */
export interface GenerationRequest extends GenerationParams {
  model: string;
  /** Present on tasks created through Vidu's dialect (/ent/v2): the Vidu model name that was asked for. */
  vidu?: { model: string };
}

/** Headers that can carry request fields. */
export interface GenerationRequestHeaders {
  /** The `X-Model` header: the model when the body names none. */
  model?: string;
}

/** Options for {@link parseGenerationRequest}. */
export interface ParseGenerationRequestOptions {
  /** The models this deployment serves; default just {@link MODEL_ID}. */
  models?: readonly string[];
}

const INPUT_EXPECTED = 'an array of one {"params": {...}} object';

/**
 * Validates a create body in either form and returns the normalised request:
 * - flat: `{ "model": "...", "images": [...], "duration": 5, ... }`
 * - enveloped: `{ "model": "...", "input": [{ "params": { "images": [...], ... } }] }`
 *
 * Both forms may be mixed (a top-level `callback_url` beside `input`); a parameter given in both places with
 * different values is 002014010. The model comes from the body (top level, else `input[0].params`), else the
 * `X-Model` header. Errors: `invalid_json` for a body that is not an object, 002014010 naming `model` when
 * none is given, `model_not_found` (404) for one this deployment does not serve, then the parameters' own codes.
 */
export function parseGenerationRequest(
  body: unknown,
  headers: GenerationRequestHeaders = {},
  options: ParseGenerationRequestOptions = {},
): GenerationRequest {
  if (!isPlainObject(body)) throw apiError('invalid_json', { values: { received: describeValue(body) } });
  const params = envelopedParams(body);
  const raw = params === undefined ? body : mergeParams(body, params);
  const model = resolveModel(raw, headers, options.models ?? [MODEL_ID]);
  return { model, ...parseGenerationParams(raw) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}

// `input[0].params`, or undefined for a flat body.
function envelopedParams(body: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const input = own(body, 'input');
  if (input === undefined || input === null) return undefined;
  const first: unknown = Array.isArray(input) && input.length === 1 ? input[0] : undefined;
  const params = isPlainObject(first) ? own(first, 'params') : undefined;
  if (!isPlainObject(params)) {
    throw apiError('002014010', {
      param: 'input',
      values: { expected: INPUT_EXPECTED, received: describeValue(input) },
    });
  }
  return params;
}

// The top level and input[0].params as one set of raw values; the same parameter twice must agree.
function mergeParams(
  body: Readonly<Record<string, unknown>>,
  params: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const name of ['model', ...GENERATION_PARAM_NAMES]) {
    const outer = own(body, name);
    const inner = own(params, name);
    if (outer != null && inner != null && JSON.stringify(outer) !== JSON.stringify(inner)) {
      throw apiError('002014010', {
        param: name,
        values: {
          expected: 'one value',
          received: `${describeValue(outer)} in the body and ${describeValue(inner)} in input[0].params`,
        },
      });
    }
    merged[name] = inner ?? outer;
  }
  return merged;
}

function resolveModel(
  raw: Readonly<Record<string, unknown>>,
  headers: GenerationRequestHeaders,
  models: readonly string[],
): string {
  const fromBody = own(raw, 'model');
  const model = fromBody ?? (headers.model === '' ? undefined : headers.model);
  if (typeof model !== 'string' || model === '') {
    throw apiError('002014010', {
      param: 'model',
      values: {
        expected: `a model id (${models.join(', ')}) in the body or the X-Model header`,
        received: describeValue(model),
      },
    });
  }
  if (!models.includes(model)) {
    throw apiError('model_not_found', {
      param: 'model',
      values: { models: models.join(', '), received: describeValue(model) },
    });
  }
  return model;
}
