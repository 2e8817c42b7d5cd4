import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import {
  createTestDatabase,
  skipWithoutPostgres,
  type TestDatabase,
} from '../src/store/postgres/pg-test-database.js';
import { openPostgresStore } from '../src/store/postgres/postgres-task-store.js';
import { FakeVidu } from './fakes/fake-vidu.js';
import { keyframe, makeOutputs } from './helpers/backend-service.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const PORT = 23000 + Math.floor(Math.random() * 2000);
const BASE = `http://127.0.0.1:${PORT}`;
const VIDU_KEY = 'crash-vidu-key';

let dir: string;
let vidu: FakeVidu;
let server: ChildProcess | null = null;
let worker: ChildProcess | null = null;

const ENV = (): NodeJS.ProcessEnv => ({
  ...process.env,
  LOG_LEVEL: 'warn',
  INBETWEEN_LEASE_DURATION: '2s',
  INBETWEEN_ROUTES: 'viduq2_pro_start_end2video=vidu',
  VIDU_API_KEY: VIDU_KEY,
  VIDU_BASE_URL: vidu.baseUrl,
  INBETWEEN_UPSTREAM_POLL_INTERVAL: '50ms',
  // Long enough that the held create answer is still awaited when the process is killed.
  INBETWEEN_UPSTREAM_REQUEST_TIMEOUT: '120s',
  // The fake serves its outputs from 127.0.0.1, which output downloads refuse unless allowed.
  INBETWEEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
});

/** Runs the CLI as its own process; resolves once its output shows `ready`. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(ready)) setTimeout(() => resolve(child), 300);
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${out}`)));
  });
}

/** `inbetween serve` as its own process, routed to the fake Vidu; resolves once it listens. */
async function startServer(extra: NodeJS.ProcessEnv = {}): Promise<void> {
  const args = ['serve', '--data-dir', dir, '--port', String(PORT)];
  server = await spawnCli(args, { ...ENV(), ...extra }, 'listening on');
}

async function kill(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return;
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
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

/** A key with $5 on it, and a 2 s 540p start-end task made with it through the API. */
async function fundedTask(
  admin: string,
  name: string,
): Promise<{ key: string; keyId: string; created: TaskObject }> {
  const { key, id: keyId } = await api<{ key: string; id: string }>('/admin/v1/keys', admin, {
    name,
    balance: '5',
  });
  const frames = [await keyframe(0), await keyframe(4)];
  const created = await api<TaskObject>('/model/v1/generation', key, {
    model: 'viduq2_pro_start_end2video',
    images: frames.map((frame) => frame.uri),
    duration: 2,
    resolution: '540p',
  });
  return { key, keyId, created };
}

const dirs: string[] = [];

async function freshDataDir(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-backend-crash-'));
  dirs.push(dir);
}

beforeAll(async () => {
  await freshDataDir();
  vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...(await makeOutputs()) });
});
afterAll(async () => {
  await kill(worker);
  await kill(server);
  await vidu.close();
  for (const path of dirs) await rm(path, { recursive: true, force: true });
});

describe('a server killed between the upstream submission and the recording of its id', () => {
  it('finds the submission after the restart, completes the task and pays the provider once', async () => {
    // The fake makes the task, then holds its answer: the worker never learns the upstream id.
    vidu.book.createScripts.push({ kind: 'accept-then-hang' });
    vidu.book.defaultTask = { polls: 2, credits: 8 };
    await startServer();
    const admin = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    const { key, keyId, created } = await fundedTask(admin, 'crash');
    await until(() => vidu.book.tasks.size === 1, 30_000);
    // Submitted upstream, and inbetween does not know its id yet.
    const before = await api<TaskObject>(`/model/v1/generation/task/${created.id}`, key);
    expect(before.status).toBe('processing');
    expect(before.metadata.upstream).toBeUndefined();
    await kill(server);

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

const skipPostgres = await skipWithoutPostgres();
let database: TestDatabase | null = null;
afterAll(async () => {
  await database?.drop();
});

/** Where a deployment keeps its tasks: the data folder's SQLite file, or PostgreSQL with a shared folder. */
const DEPLOYMENTS: [string, boolean, () => Promise<NodeJS.ProcessEnv>, () => Promise<TaskStore>][] = [
  ['SQLite', false, () => Promise.resolve({}), () => openSqliteStore({ path: join(dir, 'inbetween.db') })],
  [
    'PostgreSQL',
    skipPostgres,
    async () => {
      database = await createTestDatabase();
      return {
        DATABASE_URL: database.url,
        STORAGE_URL: pathToFileURL(join(dir, 'files')).href,
        INBETWEEN_ADMIN_TOKEN: 'crash-admin-token-0123456789',
        INBETWEEN_FILE_URL_SECRET: 'crash-file-url-secret-0123456789abcdef',
      };
    },
    () => openPostgresStore(database!.url),
  ],
];

describe.each(DEPLOYMENTS)(
  'a worker killed after the provider accepted, its task cancelled while no worker runs (%s)',
  (_name, skip, deploymentEnv, openStore) => {
    it.skipIf(skip)(
      'is cancelled upstream by a sweep, exactly once, and the customer refunded',
      async () => {
        // The case before left its restarted worker running: stop it too, or it outlives the suite.
        await kill(worker);
        await kill(server);
        await freshDataDir();
        vidu.book.tasks.clear();
        vidu.book.creates.length = 0;
        vidu.book.cancels.length = 0;
        vidu.book.defaultTask = { polls: 1_000_000, credits: 30 };
        // The API process renders nothing; a worker process beside it on the same data folder renders.
        const shared: NodeJS.ProcessEnv = {
          ...(await deploymentEnv()),
          INBETWEEN_UPSTREAM_SWEEP_INTERVAL: '200ms',
        };
        await startServer({ ...shared, INBETWEEN_WORKERS: '0' });
        const startWorker = async () => {
          const args = ['worker', '--data-dir', dir, '--health-port', '0'];
          worker = await spawnCli(args, { ...ENV(), ...shared, LOG_LEVEL: 'info' }, 'rendering from');
        };
        await startWorker();
        const admin =
          shared.INBETWEEN_ADMIN_TOKEN ?? (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
        const { key, keyId, created } = await fundedTask(admin, 'orphan');
        await until(
          async () =>
            (await api<TaskObject>(`/model/v1/generation/task/${created.id}`, key)).metadata.upstream !==
            undefined,
          60_000,
        );
        const upstreamId = [...vidu.book.tasks.keys()][0];
        await kill(worker);

        // No worker runs: the cancel refunds the customer, and only a sweep can stop the provider's task.
        const response = await fetch(`${BASE}/model/v1/generation/task/${created.id}/cancel`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
        });
        expect(((await response.json()) as TaskObject).status).toBe('cancelled');
        await until(() => vidu.book.cancels.length > 0, 30_000);
        expect(vidu.book.cancels).toEqual([upstreamId]);
        expect(vidu.book.tasks.get(upstreamId)?.state).toBe('cancelled');

        // A restarted worker sweeps too, and finds nothing left to cancel.
        await startWorker();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(vidu.book.cancels).toEqual([upstreamId]);
        expect(vidu.book.creates).toHaveLength(1);
        const task = await api<TaskObject>(`/model/v1/generation/task/${created.id}`, key);
        expect(task.status).toBe('cancelled');
        const store = await openStore();
        try {
          const [attempt] = await store.listUpstreamAttempts(created.id);
          expect(attempt).toMatchObject({ state: 'cancelled', upstreamTaskId: upstreamId, credits: 30 });
        } finally {
          await store.close();
        }
        expect(await api(`/admin/v1/keys/${keyId}`, admin)).toMatchObject({
          balance: '5.0000',
          held: '0.0000',
          spent: '0.0000',
        });
        expect(await api('/admin/v1/ledger/audit', admin)).toEqual({ balanced: true, problems: [] });
      },
      180_000,
    );
  },
);
