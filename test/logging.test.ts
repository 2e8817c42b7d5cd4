import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assembleEmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { pollUntil } from './helpers/poll-until.js';

// One structured log for the whole process: the worker's and the callback dispatcher's errors are pino JSON
// lines in the HTTP log, never plain text on stderr; `inbetween serve` logs its effective settings, secrets
// redacted.

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-logging-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A store whose claims fail `times` times each, as a locked or unreachable database would make them. */
function failingClaims(store: TaskStore, times: number): TaskStore {
  const left = new Map<PropertyKey, number>([
    ['claimNextTask', times],
    ['claimDueDeliveries', times],
  ]);
  return new Proxy(store, {
    get(target, name, self) {
      const remaining = left.get(name) ?? 0;
      if (remaining > 0) {
        return () => {
          left.set(name, remaining - 1);
          return Promise.reject(new Error(`${String(name)} failed: database is locked`));
        };
      }
      const value = Reflect.get(target, name, self) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('the process log', () => {
  it("writes the worker's and the dispatcher's errors as JSON lines of the app's logger", async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    const storage: BlobStorage = await openLocalFolderStorage({ root: join(dir, 'files') });
    const lines: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write');
    const consoleError = vi.spyOn(console, 'error');
    const server = assembleEmbeddedServer({
      store: failingClaims(store, 1),
      storage,
      publicUrl: 'http://127.0.0.1:8080',
      adminToken: 'logging-admin',
      fileSecret: 'logging-file-secret',
      renderThreads: 1,
      worker: { pollMs: 20 },
      webhooks: { pollMs: 20 },
      http: { logger: { level: 'info', stream: { write: (line) => lines.push(line) } } },
    });
    try {
      server.start();
      const records = await pollUntil(
        'both errors in the log',
        () => Promise.resolve(lines.map((line) => JSON.parse(line) as Record<string, unknown>)),
        (parsed) => parsed.filter((record) => record.level === 50).length >= 2,
      );
      const errors = records.filter((record) => record.level === 50);
      expect(errors.map((record) => record.msg).sort()).toEqual(['callback dispatch error', 'worker error']);
      for (const record of errors) {
        const logged = record.err as { type: string; message: string; stack: unknown };
        expect(logged.type).toBe('Error');
        expect(logged.message).toMatch(/database is locked/);
        expect(typeof logged.stack).toBe('string');
      }
      expect(stderr).not.toHaveBeenCalled();
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
      consoleError.mockRestore();
      await server.close();
      await storage.close();
      await store.close();
    }
  });

  it('logs the effective configuration at start, with the secrets redacted', async () => {
    const adminToken = 'ibadm_never-in-the-log-1234567890';
    const fileSecret = 'file-secret-never-in-the-log-0987';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'serve', '--data-dir', join(dir, 'serve'), '--port', '0'],
      {
        env: {
          ...process.env,
          INBETWEEN_ADMIN_TOKEN: adminToken,
          INBETWEEN_FILE_URL_SECRET: fileSecret,
          INBETWEEN_WORKERS: '0',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    try {
      await pollUntil(
        'the server to listen',
        () => Promise.resolve(out),
        (text) => text.includes('listening on'),
        {
          timeoutMs: 45_000,
        },
      );
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const records = out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; config?: Record<string, string> });
    const logged = records.find((record) => record.msg === 'effective configuration');
    expect(logged?.config).toMatchObject({
      adminToken: '[redacted]',
      fileUrlSecret: '[redacted]',
      workers: '0',
      port: '0',
      logLevel: 'info',
    });
    expect(out).not.toContain(adminToken);
    expect(out).not.toContain(fileSecret);
    expect(err).toBe('');
  });
});
