import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startInbetween } from './helpers/inbetween-process.js';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from './helpers/s3rver.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

/** Runs the CLI from source with `env` added; answers its exit code and what it printed. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { timeout: 90_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: stdout + stderr });
      },
    );
  });
}

let dir: string;
let s3: RunningS3rver;
const secrets = {
  INBETWEEN_ADMIN_TOKEN: 'honest-settings-admin-0123456789',
  INBETWEEN_FILE_URL_SECRET: 'honest-settings-file-secret-0123456789ab',
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-settings-'));
  s3 = await startS3rver(['honest']);
});
afterAll(async () => {
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

/** A setting that cannot be honoured stops the start (exit 2) with a message naming it; nothing listens. */
describe('settings that cannot be honoured stop the start', () => {
  const base = () => ({ INBETWEEN_DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'warn' });

  it.each([
    [{ DATABASE_URL: 'mysql://db/x' }, /postgres:\/\/ or postgresql:\/\/ for DATABASE_URL/],
    [{ STORAGE_URL: 'ftp://files/x' }, /s3:\/\/ or file:\/\/ for STORAGE_URL/],
    [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing', ...secrets },
      /DATABASE_URL \(postgres@127\.0\.0\.1:1\/nothing\) cannot be used: .*ECONNREFUSED/,
    ],
    [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' },
      /INBETWEEN_FILE_URL_SECRET is required with DATABASE_URL/,
    ],
    [{ STORAGE_URL: 's3://Not_A_Bucket/x' }, /STORAGE_URL .*bucket name/],
    [{ INBETWEEN_FILE_URLS: 's3-presigned' }, /INBETWEEN_FILE_URLS .*needs an s3:\/\/ STORAGE_URL/],
  ])('serve with %j', async (env, message) => {
    const { code, output } = await cli(['serve'], { ...base(), ...env });
    expect(output).toMatch(message);
    expect(output).not.toMatch(/listening on/);
    expect(code).toBe(2);
  });

  it('names STORAGE_URL when the bucket is missing or the credentials are refused', async () => {
    const s3Env = {
      ...base(),
      S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    const missing = await cli(['serve'], { ...s3Env, STORAGE_URL: 's3://no-such-bucket/p' });
    expect(missing.output).toMatch(
      /STORAGE_URL \(s3:\/\/no-such-bucket\/p\) cannot be used: S3 bucket "no-such-bucket" is not reachable/,
    );
    expect(missing.code).toBe(2);
    const refused = await cli(['worker'], {
      ...s3Env,
      STORAGE_URL: 's3://honest/p',
      AWS_ACCESS_KEY_ID: 'NOBODY',
    });
    expect(refused.output).toMatch(/STORAGE_URL .* 403/);
    expect(refused.code).toBe(2);
  });

  it('refuses a worker with no render slot', async () => {
    const { code, output } = await cli(['worker', '--workers', '0'], base());
    expect(output).toMatch(/--workers: a worker needs at least 1 render slot/);
    expect(code).toBe(2);
  });
});

describe('the SQLite default with separate workers', () => {
  it('serve --workers 0 says only workers sharing the data folder render; such a worker starts on it', async () => {
    const env = { INBETWEEN_DATA_DIR: join(dir, 'shared'), LOG_LEVEL: 'warn' };
    const api = await startInbetween(['serve', '--workers', '0', '--port', '0'], env, /--workers 0[^\n]*\n/);
    expect(api.process.output()).toContain(
      `--workers 0: this process renders nothing; only \`inbetween worker\` processes on this machine sharing ${join(dir, 'shared')} render`,
    );
    // The worker's start line is an info-level log line: LOG_LEVEL=warn would hide it.
    const worker = await startInbetween(
      ['worker', '--health-port', '0'],
      { ...env, LOG_LEVEL: 'info' },
      /health on (http:\/\/[^\s"]+)/,
    );
    expect(worker.process.output()).toContain(`rendering from ${join(dir, 'shared')} (SQLite)`);
    const health = await fetch(`${worker.match[1]}/readyz`);
    expect(await health.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${worker.match[1]}/metrics`)).status).toBe(200);
    expect((await fetch(`${worker.match[1]}/model/v1/generation`)).status).toBe(404);
    await Promise.all([api.process.kill(), worker.process.kill()]);
  });
});
