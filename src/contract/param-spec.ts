import { apiError } from './api-error.js';
import { describeValue } from './describe-value.js';
import { parseHttpUrl } from './image-source.js';

/** A JSON Schema fragment (draft 2020-12). */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * One request parameter, declared once: how a value is checked and normalised, its default, and its JSON Schema.
 * The validator and /openapi.json both come from these, so they cannot drift apart.
 */
export interface ParamSpec<T> {
  /** For a required parameter: the error its absence (or null) is. Optional ones take the default instead. */
  readonly missing?: (name: string) => Error;
  /** The value an absent or null parameter takes. */
  readonly default: T;
  /** Checks a value the caller sent (never undefined or null) and returns it normalised; throws an ApiError. */
  parse(value: unknown, name: string): T;
  /** The parameter's JSON Schema, description included. */
  readonly schema: JsonSchema;
}

// Every wrong value of a plain parameter is 002014010 and names the parameter; the message says what to send.
function invalid(name: string, expected: string, value: unknown): Error {
  return apiError('002014010', { param: name, values: { expected, received: describeValue(value) } });
}

/** A boolean; strings like "true" are refused rather than guessed at. */
export function booleanParam(options: { default: boolean; description: string }): ParamSpec<boolean> {
  return {
    default: options.default,
    parse(value, name) {
      if (typeof value !== 'boolean') throw invalid(name, 'a boolean (true or false)', value);
      return value;
    },
    schema: { type: 'boolean', default: options.default, description: options.description },
  };
}

/** An integer in min..max; `5.0` is 5 (JSON cannot tell them apart), `"5"` and 5.5 are refused. */
export function integerParam(options: {
  min: number;
  max: number;
  default: number;
  description: string;
}): ParamSpec<number> {
  const expected = `an integer ${options.min}..${options.max}`;
  return {
    default: options.default,
    parse(value, name) {
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < options.min ||
        value > options.max
      ) {
        throw invalid(name, expected, value);
      }
      return value;
    },
    schema: {
      type: 'integer',
      minimum: options.min,
      maximum: options.max,
      default: options.default,
      description: options.description,
    },
  };
}

/** One of a fixed list of strings, matched exactly (`720P` is refused: the spec's values are lower case). */
export function enumParam<const O extends readonly [string, ...string[]]>(options: {
  options: O;
  default: O[number];
  description: string;
}): ParamSpec<O[number]> {
  const expected = `one of ${options.options.join(', ')}`;
  return {
    default: options.default,
    parse(value, name) {
      if (typeof value !== 'string' || !options.options.includes(value)) throw invalid(name, expected, value);
      return value;
    },
    schema: {
      type: 'string',
      enum: [...options.options],
      default: options.default,
      description: options.description,
    },
  };
}

/**
 * A string of at most `maxLength` characters, counted as Unicode code points (what a person calls characters;
 * an emoji is one, not two). Too long is `tooLongCode` (the prompt has its own code, 002014009).
 */
export function stringParam(options: {
  maxLength: number;
  tooLongCode?: '002014009';
  description: string;
}): ParamSpec<string> {
  return {
    default: '',
    parse(value, name) {
      if (typeof value !== 'string')
        throw invalid(name, `a string of at most ${options.maxLength} characters`, value);
      const length = codePointLength(value);
      if (length > options.maxLength) {
        const received = `a string of ${length} characters`;
        if (options.tooLongCode !== undefined) {
          throw apiError(options.tooLongCode, { param: name, values: { received } });
        }
        throw apiError('002014010', {
          param: name,
          values: { expected: `a string of at most ${options.maxLength} characters`, received },
        });
      }
      return value;
    },
    schema: { type: 'string', maxLength: options.maxLength, default: '', description: options.description },
  };
}

/** An absolute http or https URL; null when absent. An empty string counts as absent. */
export function httpUrlParam(options: { description: string }): ParamSpec<string | null> {
  return {
    default: null,
    parse(value, name) {
      if (value === '') return null;
      const url = typeof value === 'string' ? parseHttpUrl(value) : undefined;
      if (url === undefined) throw invalid(name, 'an http(s) URL', value);
      return url;
    },
    schema: { type: 'string', format: 'uri', pattern: '^https?://', description: options.description },
  };
}

/**
 * A string holding a JSON object, passed through as sent; null when absent or empty (the spec: "when this
 * parameter is empty, the default metadata identifier is used").
 */
export function jsonObjectStringParam(options: { description: string }): ParamSpec<string | null> {
  return {
    default: null,
    parse(value, name) {
      if (typeof value !== 'string') throw invalid(name, 'a string holding a JSON object', value);
      if (value.trim() === '') return null;
      if (!isJsonObjectText(value)) throw invalid(name, 'a string holding a JSON object', value);
      return value;
    },
    schema: {
      type: 'string',
      contentMediaType: 'application/json',
      contentSchema: { type: 'object' },
      description: options.description,
    },
  };
}

function isJsonObjectText(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/** Code points in `text`: a linear scan, about a millisecond for the 1 MB payload limit. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
