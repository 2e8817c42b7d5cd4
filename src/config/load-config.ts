import { resolve } from 'node:path';

import { ConfigError } from './config-error.js';
import { parseSettingValue, type SettingSpec, type SettingValueOf } from './setting-types.js';
import { SETTING_NAMES, SETTINGS, type SettingName } from './settings.js';

type Settings = typeof SETTINGS;

type ValueOf<S> = S extends { type: 'choice'; choices: readonly (infer C)[] }
  ? C
  : S extends { type: infer T extends keyof SettingValueOf }
    ? SettingValueOf[T]
    : never;

/** Settings with a default or a derived value are always set; the others are `undefined` when not given. */
type Resolved<S> = S extends { default: string } | { derive: unknown } ? ValueOf<S> : ValueOf<S> | undefined;

/** Where a setting's value came from. */
export type ConfigSource = 'default' | 'env' | 'flag';

/** The parsed value of every setting, each key present. Durations are milliseconds, sizes bytes, paths absolute. */
export type ConfigValues = { readonly [K in SettingName]: Resolved<Settings[K]> };

/** The service's configuration: every setting plus where each value came from. Frozen. */
export type Config = ConfigValues & { readonly sources: Readonly<Record<SettingName, ConfigSource>> };

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The environment; an empty value counts as unset, as Docker's `FOO=` usually means. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The flags after `inbetween serve`: `--port 9000`, `--port=9000`, `--trust-proxy`, `--no-trust-proxy`. */
  argv?: readonly string[];
  /** What relative paths resolve against. */
  cwd?: string;
}

/**
 * Builds the configuration from flags, then env vars, then defaults (in that precedence). Throws
 * {@link ConfigError} for an unknown flag or a value of the wrong shape, naming the flag or env var:
 * "Expected a duration like 30s for INBETWEEN_SYNC_TIMEOUT but received \"soon\"".
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = parseFlags(options.argv ?? []);
  const values: Record<string, unknown> = {};
  const sources = {} as Record<SettingName, ConfigSource>;

  for (const name of SETTING_NAMES) {
    const spec: SettingSpec = SETTINGS[name];
    const flagged = flags.get(name);
    const fromEnv = env[spec.env];
    let raw: string | undefined;
    let where: string;
    if (flagged !== undefined) {
      [raw, where, sources[name]] = [flagged.raw, flagged.as, 'flag'];
    } else if (fromEnv !== undefined && fromEnv.trim() !== '') {
      [raw, where, sources[name]] = [fromEnv, spec.env, 'env'];
    } else {
      raw = spec.default ?? spec.derive?.(values);
      where = `the default of ${spec.env}`;
      sources[name] = 'default';
    }
    values[name] = raw === undefined ? undefined : parseSettingValue(spec, raw, where, cwd, resolve);
  }
  return Object.freeze({ ...values, sources: Object.freeze(sources) }) as Config;
}

/** Every setting's value as text fit for a startup log: secrets shown as `[redacted]`, unset ones omitted. */
export function describeConfig(config: Config): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const value = config[name];
    if (value === undefined) continue;
    const spec: SettingSpec = SETTINGS[name];
    shown[name] = spec.secret ? '[redacted]' : Array.isArray(value) ? value.join(',') : String(value);
  }
  return shown;
}

const BY_FLAG = new Map<string, SettingName>(
  SETTING_NAMES.flatMap((name) => {
    const spec: SettingSpec = SETTINGS[name];
    return spec.flag === undefined ? [] : [[spec.flag, name] as const];
  }),
);

/** The flags on the command line, the last of a repeated flag winning, as `serve --port 1 --port 2` suggests. */
function parseFlags(argv: readonly string[]): Map<SettingName, { raw: string; as: string }> {
  const found = new Map<SettingName, { raw: string; as: string }>();
  for (let i = 0; i < argv.length; i += 1) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      throw new ConfigError(`Expected an option like --port but received ${JSON.stringify(token)}`, token);
    }
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    const negated = BY_FLAG.get(flag.replace(/^--no-/, '--'));
    if (flag.startsWith('--no-') && eq === -1 && negated !== undefined && SETTINGS[negated].type === 'bool') {
      found.set(negated, { raw: 'false', as: flag });
      continue;
    }
    const name = BY_FLAG.get(flag);
    if (name === undefined) throw new ConfigError(`Unknown option ${flag}; see inbetween serve --help`, flag);
    if (eq !== -1) {
      found.set(name, { raw: token.slice(eq + 1), as: flag });
    } else if (SETTINGS[name].type === 'bool') {
      found.set(name, { raw: 'true', as: flag });
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError(`Expected a value after ${flag} but received nothing`, flag);
      }
      found.set(name, { raw: next, as: flag });
      i += 1;
    }
  }
  return found;
}
