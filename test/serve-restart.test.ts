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
  return (await request(path, key, body)).json() as Promise<T>;
}

async function request(path: string, key: string, body?: unknown): Promise<Response> {
  const response = await fetch(BASE + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response;
}

async function kill(): Promise<void> {
  server!.kill('SIGKILL');
  await new Promise((resolve) => server!.once('exit', resolve));
}

interface KeyView {
  id: string;
  key: string;
  balance: string | null;
  held: string;
  spent: string;
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
    expect(first).toMatch(/API key \(shown once\): \S+/);
    const admin = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    expect(admin).toMatch(/^ibadm_/);
    // A key with a balance, so the resumed task's money is checked too: held once, charged once.
    const { key, id: keyId } = await api<KeyView>('/admin/v1/keys', admin, { name: 'restart', balance: '5' });
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
    await kill();

    const second = await startServer();
    expect(second).not.toMatch(/API key/); // the first key is kept, no second one is made
    const done = await poll(
      created.id,
      key,
      (t) => t.status === 'completed' || t.status === 'failed',
      90_000,
    );
    expect(done.status).toBe('completed');
    expect(done.output![0].content[0].duration).toBe('6');
    // 720p 6 s: 0.075 + 6 x 0.05.
    expect(await api<KeyView>(`/admin/v1/keys/${keyId}`, admin)).toMatchObject({
      balance: '4.6250',
      held: '0.0000',
      spent: '0.3750',
    });
    expect(await api('/admin/v1/ledger/audit', admin)).toEqual({ balanced: true, problems: [] });
  });

  it('keeps the ledger balanced when killed in the middle of creates and cancels', async () => {
    const admin = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const { key, id: keyId } = await api<KeyView>('/admin/v1/keys', admin, { name: 'burst', balance: '1' });
    const image = (await readFile(join(import.meta.dirname, '..', 'samples', 'tunnel-start.jpg'))).toString(
      'base64',
    );
    const body = {
      model: 'viduq2_pro_start_end2video',
      images: [`data:image/jpeg;base64,${image}`],
      duration: 1,
      resolution: '540p',
      off_peak: true,
    };
    // Twelve creates of 0.0325 each and cancels of whatever was made, cut off by SIGKILL at some point.
    const creates = Array.from({ length: 12 }, () =>
      request('/model/v1/generation', key, body).then(
        async (response) => {
          const task = (await response.json()) as TaskObject;
          return request(`/model/v1/generation/task/${task.id}/cancel`, key, {}).then(
            () => task.id,
            () => task.id,
          );
        },
        () => null,
      ),
    );
    // Killed as soon as the first task exists, with the other creates and cancels in flight (on a slow machine
    // a fixed delay might kill it before anything happened).
    await Promise.race(
      creates.map((made) => made.then((id) => (id ? Promise.resolve() : new Promise(() => {})))),
    );
    await kill();
    await Promise.all(creates);

    await startServer();
    expect(await api('/admin/v1/ledger/audit', admin)).toEqual({ balanced: true, problems: [] });
    const page = await api<{ tasks: TaskObject[] }>('/model/v1/generation/tasks?limit=100', key);
    // Some creates made it before the kill (usually some did not): the audit above covered a cut-off burst.
    expect(page.tasks.length).toBeGreaterThan(0);
    for (const task of page.tasks) {
      if (task.status === 'pending') await request(`/model/v1/generation/task/${task.id}/cancel`, key, {});
    }
    const settledTasks = await Promise.all(
      page.tasks.map((task) =>
        poll(task.id, key, (t) => !['pending', 'processing'].includes(t.status), 60_000),
      ),
    );
    const charged = settledTasks.filter((task) => task.status === 'completed').length;
    expect(await api<KeyView>(`/admin/v1/keys/${keyId}`, admin)).toMatchObject({
      balance: (1 - charged * 0.0325).toFixed(4),
      held: '0.0000',
    });
    expect(await api('/admin/v1/ledger/audit', admin)).toEqual({ balanced: true, problems: [] });
  });
});
