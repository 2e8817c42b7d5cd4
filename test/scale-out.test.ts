import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TaskObject } from '../src/contract/index.js';
import {
  createTestDatabase,
  skipWithoutPostgres,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../src/store/postgres/pg-test-database.js';
import { startCallbackReceiver, type CallbackReceiver } from './helpers/callback-receiver.js';
import { startInbetween, type InbetweenProcess } from './helpers/inbetween-process.js';
import { pollUntil } from './helpers/poll-until.js';
import { S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from './helpers/s3rver.js';

// Locally without PostgreSQL: skipped with a warning. In CI (CI=true): run, so an absent server fails.
const skip = await skipWithoutPostgres();

const ADMIN = 'scale-out-admin-token-0123456789';
const TASKS = 60;
const KEYS = 3;

interface Api {
  base: string;
  process: InbetweenProcess;
}
interface Worker {
  owner: string;
  health: string;
  process: InbetweenProcess;
}
interface Received {
  taskId: string;
  status: string;
  bodies: string[];
}

let database: TestDatabase;
let s3: RunningS3rver;
let env: Record<string, string>;
let receiver: CallbackReceiver | undefined;
let callbackUrl: string;
const received = new Map<string, Received>();
const everything: InbetweenProcess[] = [];

/** Receives callbacks; the first attempt of every third webhook-id is answered 503, so it must be retried. */
async function startReceiver(): Promise<void> {
  let seen = 0;
  receiver = await startCallbackReceiver(({ headers, body }) => {
    const id = String(headers['webhook-id']);
    const task = JSON.parse(body) as { id: string; status: string };
    const entry = received.get(id) ?? { taskId: task.id, status: task.status, bodies: [] };
    const first = entry.bodies.length === 0;
    entry.bodies.push(body);
    received.set(id, entry);
    const refuse = first && seen++ % 3 === 0;
    return refuse ? 503 : 204;
  });
  callbackUrl = `${receiver.origin}/hook`;
}

async function startApi(): Promise<Api> {
  const { process, match } = await startInbetween(
    ['serve', '--workers', '0', '--port', '0'],
    env,
    /listening on (http:\/\/\S+)\n[\s\S]*--workers 0/,
  );
  everything.push(process);
  return { base: match[1], process };
}

async function startWorker(): Promise<Worker> {
  const { process, match } = await startInbetween(
    ['worker', '--workers', '1', '--render-threads', '1', '--health-port', '0'],
    // The worker's start line is an info-level log line: LOG_LEVEL=warn would hide it.
    { ...env, LOG_LEVEL: 'info' },
    /inbetween worker (worker_\w+) rendering from the pg-boss queue; health on (http:\/\/[^\s"]+)/,
  );
  everything.push(process);
  return { owner: match[1], health: match[2], process };
}

async function call<T>(base: string, path: string, token: string, body?: unknown, headers = {}): Promise<T> {
  const response = await fetch(base + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Renders already finished, from a worker's /metrics: a render finished twice would count twice. */
async function rendersOf(worker: Worker): Promise<number> {
  const text = await (await fetch(`${worker.health}/metrics`)).text();
  return Number(/^inbetween_render_seconds_count (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function tinyPng(seed: number): Promise<string> {
  const pixels = Buffer.alloc(96 * 54 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (seed + 3) + ((i / 288) | 0) * 7) % 256;
  const png = await sharp(pixels, { raw: { width: 96, height: 54, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

// 60 tiny renders on 3 single-threaded workers: minutes on an idle 2-core machine, most of an hour on a loaded one.
describe.skipIf(skip)(
  `scale-out: 2 API and 3 worker processes (needs PostgreSQL at ${TEST_DATABASE_URL})`,
  () => {
    beforeAll(async () => {
      [database, s3] = await Promise.all([createTestDatabase(), startS3rver(['inbetween-scale'])]);
      await startReceiver();
      env = {
        DATABASE_URL: database.url,
        STORAGE_URL: 's3://inbetween-scale/deployment',
        S3_ENDPOINT: s3.endpoint,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        INBETWEEN_ADMIN_TOKEN: ADMIN,
        INBETWEEN_FILE_URL_SECRET: 'scale-out-file-secret-0123456789abcdef',
        INBETWEEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
        INBETWEEN_LEASE_DURATION: '10s',
        INBETWEEN_MAX_ATTEMPTS: '5',
        INBETWEEN_RATE_LIMIT: '100000',
        INBETWEEN_MAX_ACTIVE_TASKS: '1000',
        LOG_LEVEL: 'warn',
      };
      // The data folder is not used on PostgreSQL and S3 but is still made; one per run under the temp folder.
      env.INBETWEEN_DATA_DIR = join(tmpdir(), `inbetween-scale-${process.pid}`);
    }, 120_000);

    afterAll(async () => {
      await Promise.all(everything.map((child) => child.kill()));
      await receiver?.close();
      await s3?.close();
      await database?.drop();
    }, 60_000);

    it('loses nothing when a worker and an API process are SIGKILLed mid-work', async () => {
      // The first API process alone first: it migrates the database and pg-boss, so the others start on it.
      const apis: Api[] = [await startApi()];
      apis.push(await startApi());
      const workers: Worker[] = await Promise.all([startWorker(), startWorker(), startWorker()]);
      const keys: string[] = [];
      for (let i = 0; i < KEYS; i++) {
        keys.push(
          (
            await call<{ key: string }>(apis[0].base, '/admin/v1/keys', ADMIN, {
              name: `k${i}`,
              balance: '10',
            })
          ).key,
        );
      }
      const images = await Promise.all([tinyPng(1), tinyPng(2)]);
      const body = (i: number) => ({
        model: 'viduq2_pro_start_end2video',
        images,
        duration: 1,
        resolution: '540p',
        seed: i + 1,
        callback_url: callbackUrl,
      });
      const accepted = new Map<string, string>(); // task id -> key
      const create = async (i: number, api: Api): Promise<void> => {
        const key = keys[i % KEYS];
        const task = await call<TaskObject>(api.base, '/model/v1/generation', key, body(i), {
          'idempotency-key': `create-${i}`,
        });
        accepted.set(task.id, key);
      };

      // 40 creates spread over both API processes.
      for (let i = 0; i < 40; i += 4) {
        await Promise.all([0, 1, 2, 3].map((j) => create(i + j, apis[(i + j) % 2])));
      }

      // A worker is SIGKILLed while it renders; its task goes back to the queue when the lease runs out.
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      const victim = workers[0];
      await pollUntil(
        `a render on ${victim.owner}`,
        async () =>
          (
            await db.query(`SELECT id FROM tasks WHERE status = 'processing' AND lease_owner = $1`, [
              victim.owner,
            ])
          ).rowCount,
        (count) => count === 1,
        { timeoutMs: 300_000, intervalMs: 100 },
      );
      const rendersBeforeKill = await rendersOf(victim);
      await victim.process.kill();
      workers[0] = await startWorker();

      // The second API process is SIGKILLed with creates in flight; the client retries those on the first one
      // with the same Idempotency-Key, as a client would, so each ends as exactly one task.
      const inFlight = Array.from({ length: 20 }, (_, j) => 40 + j);
      let answered = 0;
      const outcomes = inFlight.map((i) =>
        create(i, apis[1]).then(
          () => {
            answered += 1;
            return null;
          },
          () => i,
        ),
      );
      await pollUntil(
        'a first create answered',
        () => Promise.resolve(answered),
        (n) => n >= 2,
        {
          timeoutMs: 120_000,
        },
      );
      await apis[1].process.kill();
      const cutOff = (await Promise.all(outcomes)).filter((i): i is number => i !== null);
      expect(cutOff.length).toBeGreaterThan(0);
      for (const i of cutOff) await create(i, apis[0]);
      apis[1] = await startApi();
      expect(accepted.size).toBe(TASKS);

      // Every task in the database (accepted, or cut off mid-create and retried) ends; all of them completed.
      await pollUntil(
        'every task final',
        async () =>
          (
            await db.query<{ status: string; n: number }>(
              `SELECT status, COUNT(*)::int AS n FROM tasks GROUP BY status`,
            )
          ).rows,
        (rows) => rows.every((row) => row.status === 'completed'),
        { timeoutMs: 3_000_000, intervalMs: 1000 },
      );
      const { rows } = await db.query<{ id: string }>('SELECT id FROM tasks');
      expect(new Set(rows.map((row) => row.id))).toEqual(new Set(accepted.keys()));

      // Completed through either API process; charged once each: the ledger balances.
      let n = 0;
      for (const [id, key] of accepted) {
        const task = await call<TaskObject>(apis[n++ % 2].base, `/model/v1/generation/task/${id}`, key);
        expect(task.status).toBe('completed');
      }
      expect(await call(apis[0].base, '/admin/v1/ledger/audit', ADMIN)).toEqual({
        balanced: true,
        problems: [],
      });
      const spent = await Promise.all(
        keys.map(
          async (key) => (await call<{ spent: string }>(apis[1].base, '/model/v1/account', key)).spent,
        ),
      );
      // 540p 1 s: 0.04 + 0.025 = 0.065 per task, 20 tasks per key.
      expect(spent).toEqual(['1.3000', '1.3000', '1.3000']);

      // No render ran to completion twice: the renders the workers finished are no more than the tasks.
      const renders =
        rendersBeforeKill + (await Promise.all(workers.map(rendersOf))).reduce((a, b) => a + b, 0);
      expect(renders).toBeLessThanOrEqual(TASKS);

      // Every callback the outbox holds was delivered, at least once, always under its own webhook-id with the
      // same body; the ones refused at first came again.
      await pollUntil(
        'every callback delivered',
        async () =>
          (
            await db.query<{ n: number }>(
              `SELECT COUNT(*)::int AS n FROM webhook_deliveries WHERE state <> 'delivered'`,
            )
          ).rows[0],
        (row) => row.n === 0,
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      let retriedDeliveries = 0;
      for (const [id, key] of accepted) {
        const log = await call<{ callbacks: { webhook_id: string; event: string; attempts: number }[] }>(
          apis[n++ % 2].base,
          `/model/v1/generation/task/${id}/callbacks`,
          key,
        );
        expect(log.callbacks.map((c) => c.event)).toContain('completed');
        for (const callback of log.callbacks) {
          const got = received.get(callback.webhook_id);
          expect(got, `callback ${callback.webhook_id} of ${id}`).toBeDefined();
          expect(got!.taskId).toBe(id);
          expect(new Set(got!.bodies).size).toBe(1);
          if (got!.bodies.length > 1) retriedDeliveries += 1;
        }
      }
      expect(retriedDeliveries).toBeGreaterThan(10);

      // Outputs are in the bucket and download from either API process, with Range.
      for (const id of [...accepted.keys()].slice(0, 20)) {
        const task = await call<TaskObject>(
          apis[0].base,
          `/model/v1/generation/task/${id}`,
          accepted.get(id)!,
        );
        const url = new URL(task.output![0].content[0].url);
        const bodies = await Promise.all(
          apis.map(async (api) => {
            const response = await fetch(api.base + url.pathname + url.search, {
              headers: { range: 'bytes=0-15' },
            });
            expect(response.status).toBe(206);
            expect(response.headers.get('content-type')).toBe('video/mp4');
            return Buffer.from(await response.arrayBuffer());
          }),
        );
        expect(bodies[0].subarray(4, 8).toString()).toBe('ftyp');
        expect(bodies[1]).toEqual(bodies[0]);
      }
      await db.end();
    }, 3_600_000);
  },
);
