import { availableParallelism } from 'node:os';

import { describe, expect, it } from 'vitest';

import { ConfigError } from './config-error.js';
import { configHelp, configMarkdown } from './config-help.js';
import { describeConfig, loadConfig } from './load-config.js';
import { SETTING_NAMES, SETTINGS } from './settings.js';

const cwd = '/srv/inbetween';

describe('loadConfig', () => {
  it('fills every setting with its default and says so', () => {
    const config = loadConfig({ env: {}, argv: [], cwd });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      dataDir: '/srv/inbetween/data',
      databaseUrl: undefined,
      storageUrl: undefined,
      workers: 1,
      renderThreads: availableParallelism(),
      fileUrlTtl: 24 * 3_600_000,
      retention: 7 * 86_400_000,
      syncTimeout: 300_000,
      leaseDuration: 30_000,
      maxAttempts: 3,
      allowPrivateHosts: [],
      fetchTimeout: 15_000,
      maxBodyBytes: 20 * 1024 * 1024,
      maxImageBytes: 50 * 1024 * 1024,
      trustProxy: false,
      logLevel: 'info',
      adminToken: undefined,
    });
    for (const name of SETTING_NAMES) {
      expect(Object.hasOwn(config, name)).toBe(true);
      expect(config.sources[name]).toBe('default');
    }
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sources)).toBe(true);
  });

  it('reads env vars, ignoring empty ones', () => {
    const config = loadConfig({
      cwd,
      env: {
        INBETWEEN_HOST: '0.0.0.0',
        PORT: '9000',
        INBETWEEN_SYNC_TIMEOUT: '5m',
        INBETWEEN_ALLOW_PRIVATE_HOSTS: ' 127.0.0.1, localhost ,',
        DATABASE_URL: 'postgres://u:p@db/inbetween',
        INBETWEEN_ADMIN_TOKEN: 'a-long-enough-admin-token',
        LOG_LEVEL: '',
      },
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      publicUrl: 'http://127.0.0.1:9000', // a wildcard listen address is not a reachable URL
      syncTimeout: 300_000,
      allowPrivateHosts: ['127.0.0.1', 'localhost'],
      databaseUrl: 'postgres://u:p@db/inbetween',
      logLevel: 'info',
    });
    expect(config.sources).toMatchObject({
      host: 'env',
      port: 'env',
      publicUrl: 'default',
      logLevel: 'default',
    });
  });

  it('lets a flag beat the env var, in both flag forms', () => {
    const env = { PORT: '9000', INBETWEEN_DATA_DIR: '/var/env', INBETWEEN_TRUST_PROXY: 'true' };
    const config = loadConfig({
      cwd,
      env,
      argv: ['--port', '9100', '--data-dir=state', '--no-trust-proxy', '--public-url', 'https://x.example/'],
    });
    expect(config).toMatchObject({
      port: 9100,
      dataDir: '/srv/inbetween/state',
      trustProxy: false,
      publicUrl: 'https://x.example',
    });
    expect(config.sources).toMatchObject({
      port: 'flag',
      dataDir: 'flag',
      trustProxy: 'flag',
      publicUrl: 'flag',
    });
    expect(loadConfig({ env: {}, argv: ['--trust-proxy'] }).trustProxy).toBe(true);
    expect(loadConfig({ env: {}, argv: ['--port', '1', '--port=2'] }).port).toBe(2);
  });

  it.each([
    ['duration-ms', 'INBETWEEN_FETCH_TIMEOUT', '500ms', 'fetchTimeout', 500],
    ['duration-ms', 'INBETWEEN_SYNC_TIMEOUT', '30s', 'syncTimeout', 30_000],
    ['duration-ms', 'INBETWEEN_SYNC_TIMEOUT', '1.5m', 'syncTimeout', 90_000],
    ['duration-ms', 'INBETWEEN_RETENTION', '7d', 'retention', 604_800_000],
    ['duration-ms', 'INBETWEEN_FILE_URL_TTL', '2h', 'fileUrlTtl', 7_200_000],
    ['int', 'INBETWEEN_WORKERS', '0', 'workers', 0],
    ['bool', 'INBETWEEN_TRUST_PROXY', 'yes', 'trustProxy', true],
    ['bool', 'INBETWEEN_TRUST_PROXY', 'OFF', 'trustProxy', false],
    ['bytes', 'INBETWEEN_MAX_BODY_BYTES', '512KB', 'maxBodyBytes', 524_288],
    ['bytes', 'INBETWEEN_MAX_BODY_BYTES', '4096', 'maxBodyBytes', 4096],
    ['url', 'STORAGE_URL', 's3://bucket/prefix', 'storageUrl', 's3://bucket/prefix'],
    ['path', 'INBETWEEN_DATA_DIR', '../elsewhere', 'dataDir', '/srv/elsewhere'],
    ['choice', 'LOG_LEVEL', 'debug', 'logLevel', 'debug'],
    ['string', 'FFMPEG_PATH', 'ffmpeg', 'ffmpegPath', 'ffmpeg'],
  ])('parses a %s: %s=%s', (_type, env, raw, name, value) => {
    const config = loadConfig({ cwd, env: { [env]: raw } });
    expect(config[name as keyof typeof config]).toEqual(value);
  });

  it.each([
    [
      'INBETWEEN_SYNC_TIMEOUT',
      'soon',
      'Expected a duration like 30s for INBETWEEN_SYNC_TIMEOUT but received "soon"',
    ],
    [
      'INBETWEEN_SYNC_TIMEOUT',
      '30',
      'Expected a duration like 30s for INBETWEEN_SYNC_TIMEOUT but received "30"',
    ],
    [
      'INBETWEEN_SYNC_TIMEOUT',
      '10ms',
      'Expected a duration of at least 1s for INBETWEEN_SYNC_TIMEOUT but received "10ms"',
    ],
    ['PORT', '80.5', 'Expected an integer 0..65535 for PORT but received "80.5"'],
    ['PORT', '70000', 'Expected an integer 0..65535 for PORT but received "70000"'],
    [
      'INBETWEEN_TRUST_PROXY',
      'maybe',
      'Expected true or false for INBETWEEN_TRUST_PROXY but received "maybe"',
    ],
    ['INBETWEEN_MAX_BODY_BYTES', 'lots', 'Expected a size like 20MB for INBETWEEN_MAX_BODY_BYTES'],
    ['INBETWEEN_MAX_BODY_BYTES', '10', 'Expected a size of at least 1KB for INBETWEEN_MAX_BODY_BYTES'],
    [
      'INBETWEEN_PUBLIC_URL',
      'ftp://x',
      'Expected a URL starting with http:// or https:// for INBETWEEN_PUBLIC_URL',
    ],
    [
      'DATABASE_URL',
      'mysql://x',
      'Expected a URL starting with postgres:// or postgresql:// for DATABASE_URL',
    ],
    ['LOG_LEVEL', 'loud', 'Expected one of fatal, error, warn, info, debug, trace, silent for LOG_LEVEL'],
  ])('refuses %s=%s', (env, raw, message) => {
    const load = () => loadConfig({ env: { [env]: raw } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('names the flag in errors from flags and never echoes a secret', () => {
    expect(() => loadConfig({ env: {}, argv: ['--sync-timeout', 'soon'] })).toThrow(
      'Expected a duration like 30s for --sync-timeout but received "soon"',
    );
    expect(() => loadConfig({ env: { INBETWEEN_ADMIN_TOKEN: 'hunter2' } })).toThrow(
      'Expected at least 16 characters for INBETWEEN_ADMIN_TOKEN but received a value of 7 characters',
    );
  });

  it('refuses unknown flags, missing values, positional words and flags for env-only secrets', () => {
    expect(() => loadConfig({ env: {}, argv: ['--prot', '1'] })).toThrow('Unknown option --prot');
    expect(() => loadConfig({ env: {}, argv: ['--port'] })).toThrow('Expected a value after --port');
    expect(() => loadConfig({ env: {}, argv: ['--host', '--port', '1'] })).toThrow(
      'Expected a value after --host',
    );
    expect(() => loadConfig({ env: {}, argv: ['serve'] })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, argv: ['--admin-token', 'x'] })).toThrow(
      'Unknown option --admin-token',
    );
  });

  it('redacts secrets when described for a log', () => {
    const config = loadConfig({ env: { DATABASE_URL: 'postgres://u:pw@db/x' } });
    const shown = describeConfig(config);
    expect(shown.databaseUrl).toBe('[redacted]');
    expect(shown.port).toBe('8080');
    expect(JSON.stringify(shown)).not.toContain('pw');
  });
});

describe('configHelp and configMarkdown', () => {
  it('list every setting with its flag or env var', () => {
    const help = configHelp();
    const markdown = configMarkdown();
    for (const name of SETTING_NAMES) {
      const spec: { env: string; flag?: string } = SETTINGS[name];
      expect(help).toContain(spec.env);
      expect(markdown).toContain(`\`${spec.env}\``);
      if (spec.flag !== undefined) expect(help).toMatch(new RegExp(`^  ${spec.flag}[ ,]`, 'm'));
    }
    expect(help).toContain('--trust-proxy, --no-trust-proxy');
    expect(markdown.trim().split('\n')).toHaveLength(SETTING_NAMES.length + 2);
  });
});
