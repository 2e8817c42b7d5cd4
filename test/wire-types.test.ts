import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { startCallbackReceiver, type CallbackReceiver } from './helpers/callback-receiver.js';
import { pollUntil } from './helpers/poll-until.js';

// The hosted gateway's official CLI decodes a task into typed Go fields and rejects the whole answer when one
// member has another JSON type. This decodes every task state from every endpoint against those types, strictly:
// a member of the wrong JSON type, or an unknown member where the CLI has a fixed struct, fails the test.

type Kind = 'string' | 'int' | 'number' | 'boolean' | 'object' | 'array';
type Schema = Readonly<Record<string, { kind: Kind; required?: boolean }>>;

const TASK: Schema = {
  id: { kind: 'string', required: true },
  model: { kind: 'string', required: true },
  status: { kind: 'string', required: true },
  progress: { kind: 'number', required: true },
  created_at: { kind: 'int', required: true },
  started_at: { kind: 'int' },
  completed_at: { kind: 'int' },
  error: { kind: 'object' },
  output: { kind: 'array' },
  usage: { kind: 'object' },
  metadata: { kind: 'object', required: true },
};
const ERROR: Schema = {
  code: { kind: 'string', required: true },
  message: { kind: 'string', required: true },
  error_message: { kind: 'string', required: true },
  param: { kind: 'string' },
};
const CONTENT: Schema = {
  type: { kind: 'string', required: true },
  url: { kind: 'string', required: true },
  duration: { kind: 'string', required: true },
  cover_url: { kind: 'string' },
};
const USAGE: Schema = {
  cost: { kind: 'string', required: true },
  discount: { kind: 'number', required: true },
};

function kindOf(value: unknown): Kind | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'number';
  return typeof value as Kind;
}

function fits(kind: Kind, value: unknown): boolean {
  const actual = kindOf(value);
  return actual === kind || (kind === 'number' && actual === 'int');
}

/** Every problem of `value` against `schema`, as "where: what"; empty when it decodes. */
function decode(value: unknown, schema: Schema, where: string): string[] {
  if (kindOf(value) !== 'object') return [`${where}: expected an object but got ${kindOf(value)}`];
  const object = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [name, member] of Object.entries(schema)) {
    if (!(name in object)) {
      if (member.required) problems.push(`${where}.${name}: missing`);
    } else if (!fits(member.kind, object[name])) {
      problems.push(`${where}.${name}: expected ${member.kind} but got ${kindOf(object[name])}`);
    }
  }
  for (const name of Object.keys(object))
    if (!(name in schema)) problems.push(`${where}.${name}: unknown member`);
  return problems;
}

function decodeTask(value: unknown, where: string): string[] {
  const problems = decode(value, TASK, where);
  const task = value as Record<string, unknown>;
  if (task.error !== undefined) problems.push(...decode(task.error, ERROR, `${where}.error`));
  if (task.usage !== undefined) problems.push(...decode(task.usage, USAGE, `${where}.usage`));
  for (const [i, entry] of ((task.output as { content?: unknown[] }[] | undefined) ?? []).entries()) {
    for (const [j, content] of (entry.content ?? []).entries()) {
      problems.push(...decode(content, CONTENT, `${where}.output[${i}].content[${j}]`));
    }
  }
  return problems;
}

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let receiver: CallbackReceiver;
let origin: string;
let key: string;

async function call(method: 'GET' | 'POST', url: string, body?: object) {
  return server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(body ? { payload: body } : {}),
  });
}

async function image(): Promise<string> {
  const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#468' } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

beforeAll(async () => {
  receiver = await startCallbackReceiver();
  ({ origin } = receiver);
  dir = await mkdtemp(join(tmpdir(), 'inbetween-wire-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  // No in-process worker: the test moves tasks through every state itself, through the store.
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:8080',
    adminToken: 'test-admin-token',
    fileSecret: 'test-file-secret',
    worker: { concurrency: 0 },
    service: { allowPrivateHosts: ['127.0.0.1'] },
    webhooks: { pollMs: 25, timeoutMs: 2_000 },
    http: { syncTimeoutMs: 1_000 },
  });
  server.start();
  key = (await createApiKey(store, 'wire')).secret;
});

afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the task object on the wire', () => {
  it('decodes in every state from every endpoint against the typed client’s schema', async () => {
    const body = {
      model: 'viduq2_pro_start_end2video',
      images: [await image()],
      duration: 2,
      callback_url: `${origin}/hook`,
    };
    const answers: [string, unknown][] = [];
    const made = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await call('POST', '/model/v1/generation', body);
      expect(created.statusCode).toBe(200);
      answers.push(['create', created.json()]);
      made.push(created.json<{ id: string }>().id);
    }
    const [processing, completed, failed, pending, cancelled] = made;
    // processing, completed and failed as a worker leaves them; the fourth stays pending.
    const claim = async () =>
      (await store.claimNextTask({ owner: 'w', leaseMs: 600_000, now: new Date(), includeOffPeak: true }))!
        .id;
    expect([await claim(), await claim(), await claim()]).toEqual([processing, completed, failed]);
    await store.heartbeat(processing, 'w', { leaseMs: 600_000, now: new Date(), progress: 0.25 });
    const output = {
      videoKey: `tasks/${completed}/video.mp4`,
      coverKey: `tasks/${completed}/cover.jpg`,
      duration: 2,
    };
    expect((await store.completeTask(completed, 'w', output, new Date())).ok).toBe(true);
    const failure = { code: '002014012', message: 'Video generation failed: test' };
    expect((await store.failTask(failed, 'w', failure, new Date())).ok).toBe(true);
    expect((await store.getTask(pending))?.status).toBe('pending');
    const cancel = await call('POST', `/model/v1/generation/task/${cancelled}/cancel`);
    answers.push(['cancel', cancel.json()]);
    for (const id of made)
      answers.push([`poll ${id}`, (await call('GET', `/model/v1/generation/task/${id}`)).json()]);
    const list = await call('GET', '/model/v1/generation/tasks?limit=100');
    for (const task of list.json<{ tasks: unknown[] }>().tasks) answers.push(['list', task]);
    for (const id of [completed, failed, cancelled]) {
      const stream = await call('GET', `/model/v1/generation/task/${id}/stream?cursor=3`);
      const event = /id: (\d+)\nevent: done\ndata: (.*)\n/.exec(stream.body);
      expect(event?.[1]).toBe('4');
      answers.push([`stream ${id}`, JSON.parse(event![2])]);
    }
    const sync = await call('POST', '/model/v1/generation/sync', body);
    expect(sync.statusCode).toBe(504);
    answers.push(['sync', sync.json<{ task: unknown }>().task]);
    expect(decode(sync.json<{ error: unknown }>().error, ERROR, 'sync error')).toEqual([]);
    await pollUntil(
      'callbacks of every change',
      () => Promise.resolve(receiver.deliveries.length),
      (n) => n >= 10,
    );
    for (const { body } of receiver.deliveries) answers.push(['callback', JSON.parse(body)]);

    const statuses = new Set(answers.map(([, task]) => (task as { status: string }).status));
    expect([...statuses].sort()).toEqual(['cancelled', 'completed', 'failed', 'pending', 'processing']);
    const problems = answers.flatMap(([where, task]) => decodeTask(task, where));
    expect(problems).toEqual([]);
    // And the checker itself refuses what the Go client would: an ISO date, a numeric duration.
    expect(
      decodeTask({ ...(answers[0][1] as object), created_at: '2026-01-01T00:00:00Z' }, 'x'),
    ).toHaveLength(1);
    const finished = answers.find(([, task]) => (task as { status: string }).status === 'completed')![1] as {
      output: { content: object[] }[];
    };
    expect(finished.output[0].content[0]).toMatchObject({ duration: '2' });
    expect(
      decodeTask(
        { ...finished, output: [{ content: [{ ...finished.output[0].content[0], duration: 2 }] }] },
        'x',
      ),
    ).toHaveLength(1);
  });

  it('answers every error with error_message, ignores unknown members and X-Source, and quotes in the envelope', async () => {
    const bad = await call('POST', '/model/v1/generation', {
      model: 'viduq2_pro_start_end2video',
      images: [],
    });
    expect(bad.statusCode).toBe(400);
    expect(decode(bad.json<{ error: unknown }>().error, ERROR, 'error')).toEqual([]);
    const quote = await server.app.inject({
      method: 'POST',
      url: '/model/v1/generation/precharge',
      headers: { authorization: `Bearer ${key}`, 'x-source': 'cli', 'x-model': 'viduq2_pro_start_end2video' },
      payload: {
        id: 'client-1',
        moderation: { level: 1 },
        metadata: { user: 'u1' },
        images: [await image()],
      },
    });
    expect(quote.statusCode).toBe(200);
    const json = quote.json<{ status: string; data: Record<string, unknown> }>();
    expect(json).toEqual({
      status: 'success',
      data: {
        model: 'viduq2_pro_start_end2video',
        original_model: 'viduq2_pro_start_end2video',
        billing_model: 'viduq2_pro_start_end2video',
        sample_count: 1,
        cost: '0.3250',
        currency: 'USD',
        discount: 1,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
        updated_at: Date.UTC(2026, 11, 1),
      },
    });
    // The hash is a digest of the priced parameters: a prompt does not change it, a duration does.
    const again = await call('POST', '/model/v1/generation/precharge', {
      model: 'viduq2_pro_start_end2video',
      images: [await image()],
      prompt: 'other words',
    });
    expect(again.json<{ data: { hash: string } }>().data.hash).toBe(json.data.hash);
    const longer = await call('POST', '/model/v1/generation/precharge', {
      model: 'viduq2_pro_start_end2video',
      images: [await image()],
      duration: 6,
    });
    expect(longer.json<{ data: { hash: string; cost: string } }>().data).toMatchObject({ cost: '0.3750' });
    expect(longer.json<{ data: { hash: string } }>().data.hash).not.toBe(json.data.hash);
  });
});
