import { ConfigError } from './config-error.js';

/** The kinds of value a setting can hold, each with one parser and one way to read in the help. */
export type SettingType =
  'string' | 'int' | 'bool' | 'duration-ms' | 'bytes' | 'url' | 'path' | 'list' | 'choice';

/** One row of the settings table. Defaults are written the way a user would type them and parsed like input. */
export interface SettingSpec {
  /** The environment variable. */
  env: string;
  /** The `inbetween serve` flag; absent for secrets, which would show in `ps` output. */
  flag?: `--${string}`;
  type: SettingType;
  /** One line for the help and the README. */
  doc: string;
  /** The default as typed (`24h`, `20MB`); absent when `derived` computes it or the setting stays unset. */
  default?: string;
  /** How the default is worked out when it depends on the machine or other settings (shown in the help). */
  derived?: string;
  /** Computes that default as raw text; sees the settings declared above it, parsed. Absent: stays unset. */
  derive?: (settled: Readonly<Record<string, unknown>>) => string;
  /** Inclusive bounds for `int`, `duration-ms` and `bytes`. */
  min?: number;
  max?: number;
  /** The allowed values of a `choice`. */
  choices?: readonly string[];
  /** The URL schemes a `url` accepts, e.g. `['http:', 'https:']`. */
  protocols?: readonly string[];
  /** The shortest acceptable `string`. */
  minLength?: number;
  /** Never echoed in an error message or a config dump. */
  secret?: boolean;
}

/** The value a setting of type `T` holds once parsed. */
export interface SettingValueOf {
  string: string;
  int: number;
  bool: boolean;
  'duration-ms': number;
  bytes: number;
  url: string;
  path: string;
  list: readonly string[];
  choice: string;
}

/** What the help shows after a flag: `--sync-timeout <duration>`. */
export const TYPE_PLACEHOLDER: Readonly<Record<SettingType, string>> = {
  string: '<text>',
  int: '<n>',
  bool: '',
  'duration-ms': '<duration>',
  bytes: '<size>',
  url: '<url>',
  path: '<path>',
  list: '<a,b,...>',
  choice: '<choice>',
};

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
// Binary units: "20 MB" in the API spec is read generously, as 20 MiB.
const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/**
 * Parses the raw text of one setting; `where` names the env var or flag it came from, so the error reads
 * "Expected a duration like 30s for INBETWEEN_SYNC_TIMEOUT but received \"soon\"".
 */
export function parseSettingValue(
  spec: SettingSpec,
  raw: string,
  where: string,
  cwd: string,
  resolvePath: (cwd: string, path: string) => string,
): SettingValueOf[SettingType] {
  const fail = (what: string): never => {
    const shown = spec.secret ? `a value of ${raw.length} characters` : JSON.stringify(raw);
    throw new ConfigError(`Expected ${what} for ${where} but received ${shown}`, where);
  };
  const text = raw.trim();
  switch (spec.type) {
    case 'string':
      if (text.length < (spec.minLength ?? 1)) fail(`at least ${spec.minLength ?? 1} characters`);
      return text;
    case 'int': {
      const value = Number(text);
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || !inBounds(spec, value)) {
        fail(['an integer', bounds(spec, String)].join(' ').trim());
      }
      return value;
    }
    case 'bool':
      if (TRUE_WORDS.has(text.toLowerCase())) return true;
      if (FALSE_WORDS.has(text.toLowerCase())) return false;
      return fail('true or false');
    case 'duration-ms': {
      const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text);
      const value = match ? Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2]]) : NaN;
      if (!match) fail('a duration like 30s');
      if (!inBounds(spec, value)) fail(`a duration ${bounds(spec, formatDuration)}`);
      return value;
    }
    case 'bytes': {
      const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
      const unit = BYTE_UNITS[(match?.[2] || 'b').toLowerCase()];
      const value = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
      if (!Number.isSafeInteger(value)) fail('a size like 20MB');
      if (!inBounds(spec, value)) fail(`a size ${bounds(spec, formatBytes)}`);
      return value;
    }
    case 'url': {
      const protocols = spec.protocols ?? ['http:', 'https:'];
      const what = `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
      if (!URL.canParse(text)) return fail(what);
      if (!protocols.includes(new URL(text).protocol)) fail(what);
      return text.replace(/\/+$/, '');
    }
    case 'path':
      if (text === '') fail('a path');
      return resolvePath(cwd, text);
    case 'list':
      return Object.freeze(
        text
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      );
    case 'choice':
      if (!spec.choices?.includes(text)) fail(`one of ${spec.choices?.join(', ')}`);
      return text;
  }
}

/** `1.5s`, `24h`, `7d`: the largest unit that divides the value, for help texts and messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= DURATION_UNITS_MS[unit] && ms % DURATION_UNITS_MS[unit] === 0)
      return `${ms / DURATION_UNITS_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** `20MB`, `512KB`, `100B`. */
export function formatBytes(bytes: number): string {
  for (const unit of ['GB', 'MB', 'KB'] as const) {
    const size = BYTE_UNITS[unit.toLowerCase()];
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

function inBounds(spec: SettingSpec, value: number): boolean {
  return Number.isFinite(value) && value >= (spec.min ?? -Infinity) && value <= (spec.max ?? Infinity);
}

function bounds(spec: SettingSpec, format: (n: number) => string): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${format(spec.min)}..${format(spec.max)}`;
  if (spec.min !== undefined) return `of at least ${format(spec.min)}`;
  return spec.max === undefined ? '' : `of at most ${format(spec.max)}`;
}
