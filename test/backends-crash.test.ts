import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { FakeVidu } from './fakes/fake-vidu.js';
import { keyframe, makeOutputs } from './helpers/backend-service.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const PORT = 23000 + Math.floor(Math.random() * 2000);
const BASE = `http://127.0.0.1:${PORT}`;
const VIDU_KEY = 'crash-vidu-key';

let dir: string;
let vidu: FakeVidu;
let server: ChildProcess | null = null;

/** `inbetween serve` as its own process, routed to the fake Vidu; resolves once it listens. */
function startServer(): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', String(PORT)],
    {
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        INBETWEEN_LEASE_DURATION: '2s',
        INBETWEEN_ROUTES: 'viduq2_pro_start_end2video=vidu',
        VIDU_API_KEY: VIDU_KEY,
        VIDU_BASE_URL: vidu.baseUrl,
        INBETWEEN_UPSTREAM_POLL_INTERVAL: '50ms',
        // The fake serves its outputs from 127.0.0.1, which output downloads refuse unless allowed.
        INBETWEEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
        // Long enough that the held create answer is still awaited when the process is killed.
        INBETWEEN_UPSTREAM_REQUEST_TIMEOUT: '120s',
      },
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
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
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
  return response.json() as Promise<T>;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-backend-crash-'));
  vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...(await makeOutputs()) });
});
afterAll(async () => {
  server?.kill('SIGKILL');
  await vidu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a server killed between the upstream submission and the recording of its id', () => {
  it('finds the submission after the restart, completes the task and pays the provider once', async () => {
    // The fake makes the task, then holds its answer: the worker never learns the upstream id.
    vidu.book.createScripts.push({ kind: 'accept-then-hang' });
    vidu.book.defaultTask = { polls: 2, credits: 8 };
    await startServer();
    const admin = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const { key, id: keyId } = await api<{ key: string; id: string }>('/admin/v1/keys', admin, {
      name: 'crash',
      balance: '5',
    });
    const frames = [await keyframe(0), await keyframe(4)];
    const created = await api<TaskObject>('/model/v1/generation', key, {
      model: 'viduq2_pro_start_end2video',
      images: frames.map((frame) => frame.uri),
      duration: 2,
      resolution: '540p',
    });
    await until(() => vidu.book.tasks.size === 1, 30_000);
    // Submitted upstream, and inbetween does not know its id yet.
    const before = await api<TaskObject>(`/model/v1/generation/task/${created.id}`, key);
    expect(before.status).toBe('processing');
    expect(before.metadata.upstream).toBeUndefined();
    server!.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));

    await startServer();
    let done: TaskObject | null = null;
    await until(async () => {
      done = await api<TaskObject>(`/model/v1/generation/task/${created.id}`, key);
      return done.status === 'completed' || done.status === 'failed';
    }, 90_000);
    const task = done!;
    expect(task.status).toBe('completed');
    expect(vidu.book.creates).toHaveLength(1);
    expect(vidu.book.tasks.size).toBe(1);
    expect(task.metadata).toMatchObject({
      backend: 'vidu',
      upstream: { provider: 'vidu', task_id: [...vidu.book.tasks.keys()][0], credits: 8 },
    });
    // 540p 2 s: 0.04 + 2 x 0.025, charged once.
    expect(await api(`/admin/v1/keys/${keyId}`, admin)).toMatchObject({
      balance: '4.9100',
      held: '0.0000',
      spent: '0.0900',
    });
    expect(await api('/admin/v1/ledger/audit', admin)).toEqual({ balanced: true, problems: [] });
  }, 180_000);
});
