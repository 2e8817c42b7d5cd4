import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const PORT = 21000 + Math.floor(Math.random() * 2000);
const BASE = `http://127.0.0.1:${PORT}`;

let dir: string;
let server: ChildProcess | null = null;

/** Starts `inbetween serve` as its own process and resolves with what it printed once it listens. */
function startServer(): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', String(PORT)],
    {
      env: { ...process.env, INBETWEEN_LEASE_DURATION: '2s', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) setTimeout(() => resolve(out), 300);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

async function api<T>(path: string, key: string, body?: unknown): Promise<T> {
  const response = await fetch(BASE + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

async function poll(
  id: string,
  key: string,
  until: (t: TaskObject) => boolean,
  timeoutMs: number,
): Promise<TaskObject> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await api<TaskObject>(`/model/v1/generation/task/${id}`, key);
    if (until(task)) return task;
    if (Date.now() > deadline) throw new Error(`task still ${task.status} at ${task.progress}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-restart-'));
});
afterAll(async () => {
  server?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('a server killed mid-render', () => {
  it('resumes the task after a restart and completes it', async () => {
    const first = await startServer();
    const key = /API key \(shown once\): (\S+)/.exec(first)![1];
    expect(await readFile(join(dir, 'admin-token'), 'utf8')).toMatch(/^ibadm_/);
    const image = (await readFile(join(import.meta.dirname, '..', 'samples', 'tunnel-start.jpg'))).toString(
      'base64',
    );
    const created = await api<TaskObject>('/model/v1/generation', key, {
      model: 'viduq2_pro_start_end2video',
      images: [`data:image/jpeg;base64,${image}`],
      duration: 6,
      resolution: '720p',
    });
    await poll(created.id, key, (t) => t.status === 'processing' && t.progress > 0.2, 60_000);
    server!.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));

    const second = await startServer();
    expect(second).not.toMatch(/API key/); // the first key is kept, no second one is made
    const done = await poll(
      created.id,
      key,
      (t) => t.status === 'completed' || t.status === 'failed',
      90_000,
    );
    expect(done.status).toBe('completed');
    expect(done.output![0].content[0].duration).toBe(6);
  });
});
