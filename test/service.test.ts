import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { buildApp } from '../src/http/app.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { TaskService } from '../src/tasks/task-service.js';
import { findFfprobe, probeVideo } from './helpers/probe-video.js';
import { drawRgb, textureAt } from './helpers/synthetic.js';

const ADMIN = 'test-admin-token';
const FILE_SECRET = 'test-file-secret';
const BASE = 'http://127.0.0.1:8080';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let app: EmbeddedServer['app'];
let key: string;
let otherKey: string;

async function png(width: number, height: number, shift = 0, format: 'png' | 'gif' = 'png'): Promise<string> {
  const texture = textureAt(21);
  const image = drawRgb(width, height, (x, y, c) => texture(x - shift, y, c));
  const encoder = sharp(image.data, { raw: { width, height, channels: 3 } });
  const bytes = await (format === 'gif' ? encoder.gif() : encoder.png()).toBuffer();
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

function auth(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

async function create(body: unknown, secret = key, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/model/v1/generation',
    headers: { ...auth(secret), ...headers },
    payload: body as object,
  });
}

async function waitFor(
  id: string,
  done: (task: TaskObject) => boolean,
  timeoutMs = 45_000,
): Promise<TaskObject> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (
      await app.inject({ url: `/model/v1/generation/task/${id}`, headers: auth(key) })
    ).json<TaskObject>();
    if (done(task)) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-service-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: BASE,
    adminToken: ADMIN,
    fileSecret: FILE_SECRET,
    fileUrlTtlMs: 3_600_000,
    renderThreads: 2,
    worker: { pollMs: 50, leaseMs: 10_000 },
  });
  ({ app } = server);
  server.start();
  key = (await createApiKey(store, 'test')).secret;
  otherKey = (await createApiKey(store, 'other')).secret;
});

afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('creating and rendering a task', () => {
  it('renders two keyframes end to end and serves the video by a signed URL with ranges', async () => {
    const response = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36), await png(64, 36, 4)],
      duration: 1,
      resolution: '540p',
      payload: 'opaque',
    });
    expect(response.statusCode).toBe(200);
    const created = response.json<TaskObject>();
    expect(created.status).toBe('pending');
    expect(created.id).toMatch(/^task_/);
    expect(created.metadata).toMatchObject({
      resolution: '540p',
      duration: 1,
      payload: 'opaque',
      width: 960,
      height: 540,
      fps: 24,
      frames: 24,
    });
    expect(created.metadata.seed).toBeGreaterThan(0);
    expect(created.output).toBeUndefined();

    const done = await waitFor(created.id, (t) => t.status === 'completed' || t.status === 'failed');
    expect(done.status).toBe('completed');
    expect(done.progress).toBe(1);
    expect(done.usage).toEqual({ cost: '0.0650', discount: 1 });
    const content = done.output![0].content[0];
    expect(content.duration).toBe('1');
    const url = new URL(content.url);
    const video = await app.inject({ url: url.pathname + url.search });
    expect(video.statusCode).toBe(200);
    expect(video.headers['content-type']).toBe('video/mp4');
    const part = await app.inject({ url: url.pathname + url.search, headers: { range: 'bytes=0-99' } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.length).toBe(100);
    expect(part.headers['content-range']).toMatch(/^bytes 0-99\/\d+$/);
    const cover = await app.inject({
      url: new URL(content.cover_url!).pathname + new URL(content.cover_url!).search,
    });
    expect(cover.headers['content-type']).toBe('image/jpeg');
    if (findFfprobe()) {
      const path = join(dir, 'downloaded.mp4');
      await import('node:fs/promises').then((fs) => fs.writeFile(path, video.rawPayload));
      const probe = await probeVideo(path);
      expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 960, height: 540 });
      // No meta_data was sent: the default AIGC label names the service and the task.
      expect(JSON.parse(probe.format.tags!.AIGC)).toMatchObject({
        Label: '1',
        ContentProducer: 'inbetween',
        ProduceID: created.id,
      });
      expect(Number(probe.streams[0].nb_read_frames)).toBe(24);
    }
    // The same link with a forged signature or key gives nothing away.
    const forged = new URL(content.url);
    forged.searchParams.set('signature', 'AAAA');
    expect((await app.inject({ url: forged.pathname + forged.search })).statusCode).toBe(404);
  });

  it('writes the recommended prompt for is_rec, charges for it, and renders the watermark and music', async () => {
    const created = (
      await create({
        model: 'viduq2_pro_start_end2video',
        images: [await png(64, 36), await png(64, 36, 5)],
        duration: 1,
        resolution: '540p',
        is_rec: true,
        prompt: 'ignored when is_rec is on',
        watermark: true,
        bgm: true,
      })
    ).json<TaskObject>();
    const done = await waitFor(created.id, (t) => t.status === 'completed' || t.status === 'failed');
    expect(done.status).toBe('completed');
    expect(done.metadata.recommended_prompt).toMatch(/camera|scene/i);
    expect(done.metadata.bgm_preset).toMatch(/^[a-z-]+$/);
    expect(done.usage).toEqual({ cost: '0.1150', discount: 1 });
    if (findFfprobe()) {
      const url = new URL(done.output![0].content[0].url);
      const path = join(dir, 'finished.mp4');
      await writeFile(path, (await app.inject({ url: url.pathname + url.search })).rawPayload);
      expect((await probeVideo(path)).streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
    }
  });

  it('accepts the enveloped body and the X-Model header', async () => {
    const response = await create(
      { input: [{ params: { images: [await png(48, 48)], duration: 1, resolution: '540p' } }] },
      key,
      { 'x-model': 'viduq2_pro_start_end2video' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json<TaskObject>().metadata).toMatchObject({ width: 720, height: 720 });
  });

  it("answers another key's task as not found", async () => {
    const created = (
      await create({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 })
    ).json<TaskObject>();
    const other = await app.inject({
      url: `/model/v1/generation/task/${created.id}`,
      headers: auth(otherKey),
    });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error: { code: 'task_not_found' } });
    expect(other.json<{ request_id: string }>().request_id).toMatch(/^req_/);
  });
});

describe('bad requests are answered at create time and store nothing', () => {
  const valid = async () => ({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)] });

  it.each([
    [
      'no images',
      () => Promise.resolve({ model: 'viduq2_pro_start_end2video', images: [] }),
      400,
      '002014001',
    ],
    [
      'three images',
      async () => ({ ...(await valid()), images: [await png(32, 32), await png(32, 32), await png(32, 32)] }),
      400,
      '002014002',
    ],
    ['a GIF', async () => ({ ...(await valid()), images: [await png(32, 32, 0, 'gif')] }), 400, '002014003'],
    [
      'a prompt of 2001 characters',
      async () => ({ ...(await valid()), prompt: 'x'.repeat(2001) }),
      400,
      '002014009',
    ],
    ['duration 9', async () => ({ ...(await valid()), duration: 9 }), 400, '002014010'],
    ['a 1:5 image', async () => ({ ...(await valid()), images: [await png(20, 100)] }), 400, '002014007'],
    [
      '16:9 then 9:16',
      async () => ({ ...(await valid()), images: [await png(64, 36), await png(36, 64)] }),
      400,
      '002014008',
    ],
    ['an unknown model', async () => ({ ...(await valid()), model: 'sora' }), 404, 'model_not_found'],
  ])('%s', async (_name, body, status, code) => {
    const before = (await store.countByStatus()).pending;
    const response = await create(await body());
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code } });
    expect((await store.countByStatus()).pending).toBe(before);
  });

  it('refuses a missing or wrong key, bad JSON and a body over 20 MB', async () => {
    expect(
      (await app.inject({ method: 'POST', url: '/model/v1/generation', payload: {} })).json(),
    ).toMatchObject({
      error: { code: 'unauthorized' },
    });
    expect((await create(await valid(), 'ib_wrong')).statusCode).toBe(401);
    const bad = await app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: { ...auth(key), 'content-type': 'application/json' },
      payload: '{"model": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const huge = await app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: { ...auth(key), 'content-type': 'application/json' },
      payload: JSON.stringify({ model: 'viduq2_pro_start_end2video', payload: 'x'.repeat(21 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });
});

describe('idempotency, listing and cancelling', () => {
  it('gives the same task for the same Idempotency-Key and body, 409 for another body', async () => {
    const body = {
      model: 'viduq2_pro_start_end2video',
      images: [await png(32, 32)],
      duration: 1,
      resolution: '540p',
    };
    const a = await create(body, key, { 'idempotency-key': 'same-1' });
    const b = await create(body, key, { 'idempotency-key': 'same-1' });
    expect(b.json<TaskObject>().id).toBe(a.json<TaskObject>().id);
    const c = await create({ ...body, duration: 2 }, key, { 'idempotency-key': 'same-1' });
    expect(c.statusCode).toBe(409);
    expect(c.json()).toMatchObject({ error: { code: 'idempotency_conflict' } });
  });

  it("lists the caller's tasks newest first, by pages and by status", async () => {
    const first = await app.inject({ url: '/model/v1/generation/tasks?limit=2', headers: auth(key) });
    const page = first.json<{ tasks: TaskObject[]; next_cursor: string | null }>();
    expect(page.tasks).toHaveLength(2);
    expect(page.tasks[0].created_at).toBeGreaterThanOrEqual(page.tasks[1].created_at);
    const next = await app.inject({
      url: `/model/v1/generation/tasks?limit=2&cursor=${encodeURIComponent(page.next_cursor!)}`,
      headers: auth(key),
    });
    const ids = new Set(page.tasks.map((t) => t.id));
    for (const task of next.json<{ tasks: TaskObject[] }>().tasks) expect(ids.has(task.id)).toBe(false);
    const completed = await app.inject({
      url: '/model/v1/generation/tasks?status=completed',
      headers: auth(key),
    });
    for (const task of completed.json<{ tasks: TaskObject[] }>().tasks) expect(task.status).toBe('completed');
    const wrong = await app.inject({ url: '/model/v1/generation/tasks?status=done', headers: auth(key) });
    expect(wrong.json()).toMatchObject({ error: { code: '002014010', param: 'status' } });
    const others = await app.inject({ url: '/model/v1/generation/tasks', headers: auth(otherKey) });
    expect(others.json<{ tasks: TaskObject[] }>().tasks).toHaveLength(0);
  });

  it('cancels a running render and refuses to cancel a finished task', async () => {
    const created = (
      await create({
        model: 'viduq2_pro_start_end2video',
        images: [await png(64, 36), await png(64, 36, 3)],
        duration: 8,
        resolution: '1080p',
      })
    ).json<TaskObject>();
    await waitFor(created.id, (t) => t.status === 'processing' && t.progress > 0.15);
    const cancelled = await app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${created.id}/cancel`,
      headers: auth(key),
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json<TaskObject>().status).toBe('cancelled');
    const again = await app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${created.id}/cancel`,
      headers: auth(key),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'task_not_cancellable' } });
    // The render stopped: no output was stored for it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await storage.stat(`tasks/${created.id}/video.mp4`)).toBeUndefined();
  });
});

describe('delivery: precharge, event stream, sync', () => {
  /** The events of a finished server-sent event stream. */
  function events(body: string): Array<{ id: number; event: string; data: unknown }> {
    return body
      .split('\n\n')
      .filter((block) => block.includes('event: '))
      .map((block) => {
        const field = (name: string): string =>
          block
            .split('\n')
            .find((line) => line.startsWith(`${name}: `))!
            .slice(name.length + 2);
        return { id: Number(field('id')), event: field('event'), data: JSON.parse(field('data')) as unknown };
      });
  }

  it('quotes a request without creating anything', async () => {
    const before = (await store.countByStatus()).pending;
    const body = {
      model: 'viduq2_pro_start_end2video',
      images: [await png(32, 32)],
      duration: 5,
      resolution: '720p',
    };
    const response = await app.inject({
      method: 'POST',
      url: '/model/v1/generation/precharge',
      headers: auth(key),
      payload: body,
    });
    expect(response.json()).toMatchObject({
      status: 'success',
      data: { model: 'viduq2_pro_start_end2video', cost: '0.3250', currency: 'USD', discount: 1 },
    });
    const offPeak = await app.inject({
      method: 'POST',
      url: '/model/v1/generation/precharge',
      headers: auth(key),
      payload: { ...body, off_peak: true, is_rec: true },
    });
    expect(offPeak.json()).toMatchObject({ data: { cost: '0.1875', discount: 0.5 } });
    const bad = await app.inject({
      method: 'POST',
      url: '/model/v1/generation/precharge',
      headers: auth(key),
      payload: { ...body, duration: 0 },
    });
    expect(bad.json()).toMatchObject({ error: { code: '002014010', param: 'duration' } });
    expect((await store.countByStatus()).pending).toBe(before);
  });

  it('streams progress then the finished task, resuming ids after Last-Event-ID', async () => {
    const created = (
      await create({
        model: 'viduq2_pro_start_end2video',
        images: [await png(64, 36), await png(64, 36, 2)],
        duration: 1,
        resolution: '540p',
      })
    ).json<TaskObject>();
    const response = await app.inject({
      url: `/model/v1/generation/task/${created.id}/stream`,
      headers: { ...auth(key), 'last-event-id': '7' },
    });
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const list = events(response.body);
    expect(list[0].id).toBe(8);
    expect(list.at(-1)).toMatchObject({ event: 'done', data: { id: created.id, status: 'completed' } });
    expect(list.slice(0, -1).every((e) => e.event === 'progress')).toBe(true);
    const ids = list.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // A finished task streams its final state at once; another key's task is a plain 404.
    expect(
      events(
        (await app.inject({ url: `/model/v1/generation/task/${created.id}/stream`, headers: auth(key) }))
          .body,
      ),
    ).toHaveLength(1);
    const other = await app.inject({
      url: `/model/v1/generation/task/${created.id}/stream`,
      headers: auth(otherKey),
    });
    expect(other.statusCode).toBe(404);
  });

  it('waits for the video on /sync, and answers 504 SYNC_TIMEOUT with the task when the wait runs out', async () => {
    const body = {
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36)],
      duration: 1,
      resolution: '540p',
    };
    const done = await app.inject({
      method: 'POST',
      url: '/model/v1/generation/sync',
      headers: auth(key),
      payload: body,
    });
    expect(done.statusCode).toBe(200);
    expect(done.json<TaskObject>().status).toBe('completed');
    const impatient = buildApp({
      service: server.service,
      store,
      storage,
      adminToken: ADMIN,
      fileSecret: FILE_SECRET,
      syncTimeoutMs: 100,
    });
    const late = await impatient.inject({
      method: 'POST',
      url: '/model/v1/generation/sync',
      headers: auth(key),
      payload: { ...body, duration: 8, resolution: '1080p' },
    });
    expect(late.statusCode).toBe(504);
    const answer = late.json<{ error: { code: string }; task: TaskObject }>();
    expect(answer.error.code).toBe('SYNC_TIMEOUT');
    expect(['pending', 'processing']).toContain(answer.task.status);
    await app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${answer.task.id}/cancel`,
      headers: auth(key),
    });
    await impatient.close();
  });
});

describe('limits', () => {
  it("answers 429 with Retry-After past a key's unfinished-task limit", async () => {
    // Its own store and no worker, so the tasks it accepts stay pending.
    const limitedStore = await openSqliteStore({ path: ':memory:' });
    const service = new TaskService({ store: limitedStore, storage, fileUrl: (k) => k, maxActiveTasks: 2 });
    const limited = buildApp({
      service,
      store: limitedStore,
      storage,
      adminToken: ADMIN,
      fileSecret: FILE_SECRET,
    });
    const secret = (await createApiKey(limitedStore, 'limited')).secret;
    const body = { model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 };
    const post = () =>
      limited.inject({ method: 'POST', url: '/model/v1/generation', headers: auth(secret), payload: body });
    expect((await post()).statusCode).toBe(200);
    expect((await post()).statusCode).toBe(200);
    const third = await post();
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(third.json<{ error: { message: string } }>().error.message).toMatch(/2 unfinished tasks/);
    expect(third.headers['retry-after']).toBe('5');
    await limited.close();
    await limitedStore.close();
  });

  it('answers 503 queue_full with Retry-After when the whole queue is at its bound', async () => {
    const queueStore = await openSqliteStore({ path: ':memory:' });
    const service = new TaskService({ store: queueStore, storage, fileUrl: (k) => k, maxQueue: 1 });
    const bounded = buildApp({
      service,
      store: queueStore,
      storage,
      adminToken: ADMIN,
      fileSecret: FILE_SECRET,
    });
    const [a, b] = [
      (await createApiKey(queueStore, 'a')).secret,
      (await createApiKey(queueStore, 'b')).secret,
    ];
    const body = { model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 };
    const post = (secret: string) =>
      bounded.inject({ method: 'POST', url: '/model/v1/generation', headers: auth(secret), payload: body });
    expect((await post(a)).statusCode).toBe(200);
    const full = await post(b);
    expect(full.statusCode).toBe(503);
    expect(full.json()).toMatchObject({ error: { code: 'queue_full' } });
    expect(full.headers['retry-after']).toBe('30');
    await bounded.close();
    await queueStore.close();
  });

  it("answers 429 with Retry-After past a key's request rate, without slowing other keys", async () => {
    const limitedStore = await openSqliteStore({ path: ':memory:' });
    const service = new TaskService({ store: limitedStore, storage, fileUrl: (k) => k });
    const limited = buildApp({
      service,
      store: limitedStore,
      storage,
      adminToken: ADMIN,
      fileSecret: FILE_SECRET,
      rateLimit: 1,
    });
    const [a, b] = [
      (await createApiKey(limitedStore, 'a')).secret,
      (await createApiKey(limitedStore, 'b')).secret,
    ];
    const responses = [];
    for (let i = 0; i < 10; i++) {
      responses.push(await limited.inject({ url: '/model/v1/generation/tasks', headers: auth(a) }));
    }
    // A burst of two, then about one a second: ten calls in a row cannot all pass.
    expect(responses.slice(0, 2).map((r) => r.statusCode)).toEqual([200, 200]);
    const refused = responses.find((r) => r.statusCode === 429);
    expect(refused?.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await limited.inject({ url: '/model/v1/generation/tasks', headers: auth(b) })).statusCode).toBe(
      200,
    );
    await limited.close();
    await limitedStore.close();
  });
});

describe('admin and operations', () => {
  it('creates, lists and revokes keys with the admin token only', async () => {
    const withApiKey = await app.inject({ url: '/admin/v1/keys', headers: auth(key) });
    expect(withApiKey.statusCode).toBe(403);
    expect(withApiKey.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await app.inject({ url: '/admin/v1/keys', headers: auth('nobody') })).statusCode).toBe(401);
    const made = await app.inject({
      method: 'POST',
      url: '/admin/v1/keys',
      headers: auth(ADMIN),
      payload: { name: 'ci' },
    });
    expect(made.statusCode).toBe(201);
    const { id, key: secret } = made.json<{ id: string; key: string }>();
    expect((await create({ model: 'viduq2_pro_start_end2video', images: [] }, secret)).statusCode).toBe(400);
    const listed = (await app.inject({ url: '/admin/v1/keys', headers: auth(ADMIN) })).json<{
      keys: { id: string }[];
    }>();
    expect(listed.keys.map((k) => k.id)).toContain(id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    await app.inject({ method: 'POST', url: `/admin/v1/keys/${id}/revoke`, headers: auth(ADMIN) });
    expect((await create({ model: 'viduq2_pro_start_end2video', images: [] }, secret)).statusCode).toBe(401);
  });

  it('answers health, readiness, metrics and the OpenAPI document', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/inbetween_tasks\{status="completed"\} [1-9]/);
    expect(metrics).toMatch(/inbetween_queue_depth \d+/);
    expect(metrics).toMatch(/inbetween_render_seconds_count [1-9]/);
    const openapi = (await app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    // Every API route is described: the document is compared with the routes the app really has, read from
    // Fastify's route tree (each line's indent is its depth; a child's path continues its parent's).
    const stack: string[] = [];
    const routes: string[] = [];
    for (const line of server.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const match = /^([│ ]*)[├└]── (\S+)( \(.*\))?$/.exec(line);
      if (!match) continue;
      const depth = match[1].length / 4;
      stack[depth] = (depth > 0 ? stack[depth - 1] : '') + match[2];
      stack.length = depth + 1;
      if (match[3]) routes.push(stack[depth].replace(/:(\w+)/g, '{$1}'));
    }
    const apiRoutes = routes.filter((path) => /^\/(model|admin|ent)\//.test(path));
    expect(apiRoutes.length).toBeGreaterThan(10);
    expect(Object.keys(openapi.paths).sort()).toEqual(apiRoutes.sort());
  });
});

describe('images by URL, and failures after create', () => {
  let receiver: Server;
  let origin: string;
  let failing: { server: EmbeddedServer; app: EmbeddedServer['app']; store: TaskStore; key: string };

  beforeAll(async () => {
    const image = Buffer.from((await png(64, 36)).split(',')[1], 'base64');
    receiver = createServer((request, response) => {
      if (request.url === '/start.png')
        return void response.writeHead(200, { 'content-type': 'image/png' }).end(image);
      if (request.url === '/huge') {
        // 51 MB without a Content-Length: only the streamed limit can stop it.
        response.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(1 << 20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 51 && response.write(chunk)) sent++;
          if (sent < 51) response.once('drain', pump);
          else response.end();
        };
        response.on('error', () => undefined);
        return pump();
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

    // A second service whose worker cannot encode (no such ffmpeg) and which may fetch from 127.0.0.1.
    const store2 = await openSqliteStore({ path: ':memory:' });
    const server2 = assembleEmbeddedServer({
      store: store2,
      storage,
      publicUrl: BASE,
      adminToken: ADMIN,
      fileSecret: FILE_SECRET,
      renderThreads: 1,
      worker: { pollMs: 50, ffmpegPath: '/nonexistent/ffmpeg' },
      service: { allowPrivateHosts: ['127.0.0.1'] },
    });
    failing = {
      server: server2,
      app: server2.app,
      store: store2,
      key: (await createApiKey(store2, 'failing')).secret,
    };
    server2.start();
  });

  afterAll(async () => {
    await failing.server.close();
    receiver.close();
  });

  const createOn = (body: object) =>
    failing.app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: auth(failing.key),
      payload: body,
    });

  it('fetches an allowed URL, and names why others fail: 404, too large, blocked address, corrupt data', async () => {
    const model = 'viduq2_pro_start_end2video';
    expect((await createOn({ model, images: [`${origin}/start.png`], duration: 1 })).statusCode).toBe(200);
    const missing = await createOn({ model, images: [`${origin}/missing.png`] });
    expect(missing.json()).toMatchObject({ error: { code: '002014005', param: 'images[0]' } });
    expect(missing.json<{ error: { message: string } }>().error.message).toMatch(/404/);
    const huge = await createOn({ model, images: [`${origin}/start.png`, `${origin}/huge`] });
    expect(huge.json()).toMatchObject({ error: { code: '002014004', param: 'images[1]' } });
    const blocked = await createOn({ model, images: ['http://10.0.0.1/start.png'] });
    expect(blocked.json()).toMatchObject({ error: { code: '002014005' } });
    expect(blocked.json<{ error: { message: string } }>().error.message).toMatch(/blocked/);
    const truncated = (await png(64, 36)).slice(0, 200);
    expect((await createOn({ model, images: [truncated] })).json()).toMatchObject({
      error: { code: '002014006' },
    });
  });

  it('fails a task whose render fails with 002014012, and keeps serving', async () => {
    const created = (
      await createOn({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 })
    ).json<TaskObject>();
    const deadline = Date.now() + 30_000;
    let task = created;
    while (task.status !== 'failed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = (
        await failing.app.inject({
          url: `/model/v1/generation/task/${created.id}`,
          headers: auth(failing.key),
        })
      ).json<TaskObject>();
    }
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ code: '002014012' });
    expect(task.output).toBeUndefined();
    expect((await failing.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers an unexpected failure as internal_error with the request id, and stays up', async () => {
    await failing.server.worker.stop();
    await failing.store.close();
    const response = await failing.app.inject({
      url: '/model/v1/generation/task/task_x',
      headers: auth(failing.key),
    });
    expect(response.statusCode).toBe(500);
    const body = response.json<{ error: { code: string; message: string }; request_id: string }>();
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).not.toMatch(/database/i);
    expect(body.request_id).toBe(response.headers['x-request-id']);
    expect((await failing.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await failing.app.inject({ url: '/readyz' })).statusCode).toBe(503);
  });
});
