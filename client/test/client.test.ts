import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The real server, wired as in test/helpers/service-fixture.ts; only the tests reach into src/, never the client.
import { createApiKey } from '../../src/accounts/account-service.js';
import { buildApp } from '../../src/http/app.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../../src/store/index.js';
import { TaskService } from '../../src/tasks/task-service.js';
import {
  InbetweenClient,
  InbetweenError,
  InbetweenSyncTimeoutError,
  InbetweenWaitTimeoutError,
  verifyWebhook,
  type GenerationParams,
  type TaskObject,
  type TaskStreamEvent,
} from '../src/index.js';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let service: TaskService;
let app: FastifyInstance;
let baseUrl: string;
let apiKey: string;
let webhookSecret: string;
let client: InbetweenClient;
let params: GenerationParams;

async function png(shift: number): Promise<string> {
  const width = 64;
  const height = 36;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = ((x - shift) * 8) & 255;
      pixels[i + 1] = (y * 7) & 255;
      pixels[i + 2] = ((x - shift) * y) & 255;
    }
  }
  const bytes = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

async function listen(server: FastifyInstance): Promise<string> {
  await server.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-client-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: () => baseUrl,
    adminToken: 'admin',
    fileSecret: 'file-secret',
    fileUrlTtlMs: 3_600_000,
    renderThreads: 2,
    worker: { pollMs: 50, leaseMs: 10_000 },
    service: { allowPrivateHosts: ['127.0.0.1'] },
    webhooks: { pollMs: 25 },
  });
  ({ app, service } = server);
  baseUrl = await listen(app);
  server.start();
  const made = await createApiKey(store, 'client');
  apiKey = made.secret;
  webhookSecret = made.record.webhookSecret;
  // A trailing slash on the base URL is tolerated.
  client = new InbetweenClient({ baseUrl: `${baseUrl}/`, apiKey });
  params = {
    images: [await png(0), await png(4)],
    duration: 1,
    resolution: '540p',
    payload: 'from the client',
  };
});

afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tasks through the client', () => {
  it('creates, waits for, reads and lists a task', async () => {
    const created = await client.create(params);
    expect(created).toMatchObject({ status: 'pending', model: 'viduq2_pro_start_end2video' });
    expect(created.metadata).toMatchObject({ resolution: '540p', duration: 1, payload: 'from the client' });

    const seen: TaskObject[] = [];
    const done = await client.wait(created.id, { deadlineMs: 45_000, onProgress: (task) => seen.push(task) });
    expect(done.status).toBe('completed');
    expect(done.usage?.cost).toMatch(/^\d+\.\d+$/);
    expect(done.output?.[0].content[0]).toMatchObject({ type: 'video', duration: '1' });
    expect(Number.isInteger(done.created_at) && Number.isInteger(done.completed_at)).toBe(true);
    expect(seen.at(-1)).toEqual(done);

    expect(await client.get(created.id)).toEqual(done);
    const page = await client.list({ status: 'completed', limit: 100 });
    expect(page.tasks.map((task) => task.id)).toContain(created.id);
    const first = await client.list({ limit: 1 });
    expect(first.tasks).toHaveLength(1);
    expect(first.next_cursor === null || typeof first.next_cursor === 'string').toBe(true);

    const error = await rejection(client.cancel(created.id));
    expect(error).toBeInstanceOf(InbetweenError);
    expect(error).toMatchObject({ status: 409, code: 'task_not_cancellable' });
    expect((error as InbetweenError).requestId).toMatch(/^req_/);
  });

  it('answers input errors as InbetweenError with the code and the parameter', async () => {
    const error = await rejection(client.create({ ...params, duration: 99 }));
    expect(error).toBeInstanceOf(InbetweenError);
    expect(error).toMatchObject({ status: 400, code: '002014010', param: 'duration' });
    expect((error as InbetweenError).message).toMatch(/duration/);

    await expect(client.get('task_nope')).rejects.toMatchObject({ status: 404, code: 'task_not_found' });
    const stranger = new InbetweenClient({ baseUrl, apiKey: 'ib_wrong' });
    await expect(stranger.list()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('receives verified callbacks for every status change and reads their delivery log', async () => {
    const seen: TaskObject[] = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push(
          verifyWebhook({ secret: webhookSecret, headers: request.headers, body: Buffer.concat(chunks) }),
        );
        response.writeHead(204).end();
      });
    });
    const hook = await new Promise<string>((resolve) =>
      receiver.listen(0, '127.0.0.1', () =>
        resolve(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`),
      ),
    );
    try {
      const created = await client.create({ ...params, callback_url: hook });
      expect((await client.wait(created.id, { deadlineMs: 45_000 })).status).toBe('completed');
      const deadline = Date.now() + 10_000;
      while (seen.length < 3 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      expect(seen.map((task) => task.status)).toEqual(['pending', 'processing', 'completed']);
      const log = await client.callbacks(created.id);
      expect(log.map((entry) => [entry.event, entry.state, entry.attempt_log[0]?.status])).toEqual([
        ['pending', 'delivered', 204],
        ['processing', 'delivered', 204],
        ['completed', 'delivered', 204],
      ]);
    } finally {
      receiver.close();
    }
  });

  it('answers the same task for the same idempotency key', async () => {
    const a = await client.create({ ...params, seed: 7 }, { idempotencyKey: 'client-test-1' });
    const b = await client.create({ ...params, seed: 7 }, { idempotencyKey: 'client-test-1' });
    expect(b.id).toBe(a.id);
    await client.cancel(a.id);
  });

  it('rejects wait at its deadline with the last task read, which can then be cancelled', async () => {
    const created = await client.create({ ...params, duration: 8, resolution: '1080p' });
    const error = await rejection(client.wait(created.id, { deadlineMs: 1 }));
    expect(error).toBeInstanceOf(InbetweenWaitTimeoutError);
    const { task } = error as InbetweenWaitTimeoutError;
    expect(task.id).toBe(created.id);
    expect(['pending', 'processing']).toContain(task.status);

    const cancelled = await client.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await client.wait(created.id, { deadlineMs: 5_000 })).status).toBe('cancelled');
  });

  it('stops waiting when its signal aborts', async () => {
    const created = await client.create({ ...params, duration: 8, resolution: '1080p' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('enough')), 50);
    await expect(client.wait(created.id, { deadlineMs: 30_000, signal: controller.signal })).rejects.toThrow(
      'enough',
    );
    await client.cancel(created.id);
  });

  it("reads the key's own account", async () => {
    const account = await client.account();
    expect(account).toMatchObject({ name: 'client', balance: null });
    expect(account.held).toMatch(/^\d+\.\d{4}$/);
    expect(account.spent).toMatch(/^\d+\.\d{4}$/);
  });

  it('quotes a request with precharge', async () => {
    const quote = await client.precharge(params);
    expect(quote.cost).toMatch(/^\d+\.\d+$/);
    expect(quote).toMatchObject({
      currency: 'USD',
      sample_count: 1,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
    });
    expect(typeof quote.discount).toBe('number');
  });
});

describe('streaming and sync against the server', () => {
  it('streams progress events and ends with done', async () => {
    const created = await client.create(params);
    const events: TaskStreamEvent[] = [];
    for await (const event of client.stream(created.id)) events.push(event);
    const last = events.at(-1)!;
    expect(last.event).toBe('done');
    expect(last.data).toMatchObject({ id: created.id, status: 'completed' });
    expect(events.slice(0, -1).every((event) => event.event === 'progress')).toBe(true);
    const ids = events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);

    // Resuming a finished task's stream: the current state comes first, numbered after the given id.
    const resumed: TaskStreamEvent[] = [];
    for await (const event of client.stream(created.id, { lastEventId: '41' })) resumed.push(event);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toMatchObject({ event: 'done', id: '42', data: { status: 'completed' } });
  });

  it('closes the stream when the loop leaves early, and answers a missing task as 404', async () => {
    const created = await client.create({ ...params, duration: 8, resolution: '1080p' });
    for await (const event of client.stream(created.id)) {
      expect(event.event).toBe('progress');
      break;
    }
    await client.cancel(created.id);
    const iterator = client.stream('task_nope');
    await expect(iterator.next()).rejects.toMatchObject({ status: 404, code: 'task_not_found' });
  });

  it('creates and answers the final task with sync', async () => {
    const done = await client.sync(params);
    expect(done.status).toBe('completed');
    expect(done.output?.[0].content[0].url).toMatch(/^http/);
  });

  it('rejects sync with the running task when the server stops waiting', async () => {
    const impatient = buildApp({
      service,
      store,
      storage,
      adminToken: 'admin',
      fileSecret: 'x',
      syncTimeoutMs: 1,
    });
    try {
      const quick = new InbetweenClient({ baseUrl: await listen(impatient), apiKey });
      const error = await rejection(quick.sync({ ...params, duration: 8, resolution: '1080p' }));
      expect(error).toBeInstanceOf(InbetweenSyncTimeoutError);
      expect(error).toMatchObject({ status: 504, code: 'SYNC_TIMEOUT' });
      const { task } = error as InbetweenSyncTimeoutError;
      expect(task.id).toMatch(/^task_/);
      await client.cancel(task.id);
    } finally {
      await impatient.close();
    }
  });
});
