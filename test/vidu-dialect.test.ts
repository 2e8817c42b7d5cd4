import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { startCallbackReceiver, type CallbackReceiver, type Delivery } from './helpers/callback-receiver.js';
import { pollUntil } from './helpers/poll-until.js';
import { texturedPng } from './helpers/textured-png.js';

// Vidu's dialect end to end in one process: a client written against https://platform.vidu.com/docs creates,
// polls, lists and cancels, gets Vidu's errors, and receives callbacks it verifies with its own implementation
// of Vidu's callback signature (Web Crypto here, not the service's signer).

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let receiver: CallbackReceiver;
let origin: string;
let apiKey: string;
let poorKey: string;
/** What the receiver got, in order (its live list). */
let received: readonly Delivery[];

const png = (width: number, height: number, shift = 0) => texturedPng(width, height, { shift, seed: 5 });

async function vidu(
  method: 'GET' | 'POST',
  url: string,
  body?: object,
  authorization = `Token ${apiKey}`,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await server.app.inject({
    method,
    url,
    headers: { authorization },
    ...(body ? { payload: body } : {}),
  });
  return { status: response.statusCode, json: response.json() };
}

/**
 * Vidu's callback signature as its docs define it: base64 HMAC-SHA256 keyed by the API key over
 * METHOD\npath\nquery\nvidu\nDate\n and each header named in X-HMAC-SIGNED-HEADERS as "Key:Value\n".
 */
async function viduVerified(key: string, hit: Delivery): Promise<boolean> {
  const url = new URL(hit.url, 'http://receiver');
  const names = String(hit.headers['x-hmac-signed-headers']).split(';');
  const date = String(hit.headers.date);
  const signed = names.map((name) => `${name}:${String(hit.headers[name.toLowerCase()])}\n`).join('');
  const text = `POST\n${url.pathname}\n${url.search.slice(1)}\nvidu\n${date}\n${signed}`;
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, new TextEncoder().encode(text));
  const expected = btoa(String.fromCharCode(...new Uint8Array(mac)));
  return hit.headers['x-hmac-signature'] === expected;
}

beforeAll(async () => {
  receiver = await startCallbackReceiver(() => 200);
  ({ origin, deliveries: received } = receiver);
  dir = await mkdtemp(join(tmpdir(), 'inbetween-vidu-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:8080',
    adminToken: 'test-admin-token',
    fileSecret: 'test-file-secret-of-the-deployment',
    renderThreads: 2,
    worker: { pollMs: 50 },
    service: { allowPrivateHosts: ['127.0.0.1'] },
    webhooks: { pollMs: 25, timeoutMs: 2_000 },
    http: { vidu: { creditsPerUsd: 100 } },
  });
  server.start();
  apiKey = (await createApiKey(store, 'vidu client')).secret;
  poorKey = (await createApiKey(store, 'poor', 10_000)).secret;
});

afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe("Vidu's dialect", () => {
  it('creates, polls to success, lists and calls back, signed with the calling key', async () => {
    const images = [await png(64, 36), await png(64, 36, 3)];
    const created = await vidu('POST', '/ent/v2/start-end2video', {
      model: 'viduq2-turbo',
      images,
      prompt: 'push in',
      duration: 1,
      resolution: '540p',
      payload: 'order-7',
      callback_url: `${origin}/vidu/callback?name=james&age=36`,
      moderation: true,
    });
    expect(created.status).toBe(200);
    const json = created.json;
    expect(json).toMatchObject({
      state: 'created',
      model: 'viduq2-turbo',
      images,
      prompt: 'push in',
      duration: 1,
      resolution: '540p',
      movement_amplitude: 'auto',
      bgm: false,
      payload: 'order-7',
      off_peak: false,
      // $0.04 + 1 s x $0.025 = $0.065, at 100 credits per USD
      credits: 7,
    });
    expect(typeof json.task_id).toBe('string');
    expect(typeof json.seed).toBe('number');
    expect(new Date(String(json.created_at)).toISOString()).toBe(json.created_at);
    const id = String(json.task_id);

    const done = await pollUntil(
      'Vidu success',
      async () => (await vidu('GET', `/ent/v2/tasks/${id}/creations`)).json,
      (task) => task.state === 'success' || task.state === 'failed',
      { timeoutMs: 90_000 },
    );
    expect(done).toMatchObject({
      id,
      state: 'success',
      err_code: '',
      credits: 7,
      payload: 'order-7',
      bgm: false,
    });
    const creations = done.creations as { id: string; url: string; cover_url: string }[];
    expect(creations).toHaveLength(1);
    expect(creations[0].url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/files\//);
    expect(creations[0].cover_url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/files\//);

    // The same task through the other door.
    const hosted = await server.app.inject({
      url: `/model/v1/generation/task/${id}`,
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(hosted.json()).toMatchObject({ id, status: 'completed' });

    const listed = await vidu('GET', `/ent/v2/tasks?states=success&pager.pagesz=5`);
    expect(listed.status).toBe(200);
    const tasks = listed.json.tasks as Record<string, unknown>[];
    expect(tasks.map((task) => task.id)).toContain(id);
    expect(tasks.every((task) => task.state === 'success')).toBe(true);
    expect(tasks.find((task) => task.id === id)).toMatchObject({
      model: 'viduq2-turbo',
      aspect_ratio: '16:9',
    });
    expect(listed.json.next_page_token).toBe('');
    const none = await vidu('GET', `/ent/v2/tasks?states=failed&task_ids=${id}`);
    expect(none.json.tasks).toEqual([]);

    // Callbacks: each status change, Vidu-signed with the API key, the body what creations answers.
    const hits = await pollUntil(
      'processing and success callbacks',
      () => Promise.resolve(received.filter((hit) => hit.path === '/vidu/callback')),
      (list) => list.some((hit) => (JSON.parse(hit.body) as { state: string }).state === 'success'),
    );
    for (const hit of hits) {
      expect(hit.headers['x-hmac-algorithm']).toBe('hmac-sha256');
      expect(hit.headers['x-hmac-access-key']).toBe('vidu');
      expect(hit.headers['x-hmac-signed-headers']).toBe('Date;x-request-nonce');
      expect(String(hit.headers['x-request-nonce'])).toMatch(/^[0-9a-f-]{36}$/);
      expect(await viduVerified(apiKey, hit)).toBe(true);
      expect(await viduVerified(poorKey, hit)).toBe(false);
      expect(hit.headers).not.toHaveProperty('webhook-signature');
    }
    const states = hits.map((hit) => (JSON.parse(hit.body) as { state: string }).state);
    expect(states).toEqual(expect.arrayContaining(['queueing', 'processing', 'success']));
    const last = JSON.parse(hits.at(-1)!.body) as Record<string, unknown>;
    expect(last).toMatchObject({ id, state: 'success', credits: 7, payload: 'order-7' });

    // Once its callbacks ended, the sealed key is gone from the task and from every callback row.
    const deliveries = await pollUntil(
      'every callback ended',
      () => store.listDeliveries(id),
      (list) => list.length >= 3 && list.every((entry) => entry.state !== 'pending'),
    );
    expect(deliveries.every((entry) => entry.signingKey === null)).toBe(true);
    expect((await store.getTask(id))?.callbackSigningKey).toBeNull();
  });

  it('cancels with {} and answers Vidu errors for what cannot be done', async () => {
    const created = await vidu('POST', '/ent/v2/img2video', {
      model: 'viduq1',
      images: [await png(48, 48)],
      duration: 4,
    });
    expect(created.status).toBe(200);
    const id = String(created.json.task_id);
    const cancelled = await vidu('POST', `/ent/v2/tasks/${id}/cancel`, { id });
    expect(cancelled).toEqual({ status: 200, json: {} });
    const again = await vidu('POST', `/ent/v2/tasks/${id}/cancel`, { id });
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(again.json.metadata).toEqual({ trace_id: expect.any(String) as string });
    const polled = await vidu('GET', `/ent/v2/tasks/${id}/creations`);
    expect(polled.json).toMatchObject({
      state: 'failed',
      err_code: 'UserCancelled',
      credits: 0,
      creations: [],
    });
    const failedList = await vidu('GET', `/ent/v2/tasks?states=failed`);
    expect((failedList.json.tasks as { id: string }[]).map((task) => task.id)).toContain(id);
  });

  it('answers bad requests in Vidu’s error shape, with nothing created', async () => {
    const image = await png(48, 48);
    const cases: [string, object, string | undefined, number, string][] = [
      ['/ent/v2/start-end2video', { model: 'vidu9', images: [image, image] }, undefined, 400, 'FieldInvalid'],
      [
        '/ent/v2/start-end2video',
        { model: 'viduq2_pro_start_end2video', images: [image, image] },
        undefined,
        400,
        'FieldInvalid',
      ],
      ['/ent/v2/start-end2video', { model: 'viduq2-pro', images: [image] }, undefined, 400, 'FieldInvalid'],
      ['/ent/v2/img2video', { model: 'viduq2-pro' }, undefined, 400, 'FieldLacking'],
      [
        '/ent/v2/img2video',
        { model: 'viduq2-pro', images: [image, image, image] },
        undefined,
        400,
        'FieldItemCountOutOfRange',
      ],
      [
        '/ent/v2/img2video',
        { model: 'viduq2-pro', images: ['data:image/gif;base64,R0lGODlhAQABAAAAACw='] },
        undefined,
        400,
        'ImageFormatInvalid',
      ],
      [
        '/ent/v2/img2video',
        { model: 'viduq2-pro', images: [image], duration: 9 },
        undefined,
        400,
        'FieldInvalid',
      ],
      [
        '/ent/v2/img2video',
        { model: 'viduq2-pro', images: [image] },
        `Bearer ${apiKey}`,
        401,
        'Unauthorized',
      ],
      ['/ent/v2/img2video', { model: 'viduq2-pro', images: [image] }, `Token nope`, 401, 'Unauthorized'],
      [
        '/ent/v2/img2video',
        { model: 'viduq2-pro', images: [image] },
        `Token ${poorKey}`,
        400,
        'CreditInsufficient',
      ],
    ];
    const before = (await store.countByStatus()).pending;
    for (const [url, body, authorization, status, reason] of cases) {
      const answer = await vidu('POST', url, body, authorization);
      expect({
        url,
        body: JSON.stringify(body).slice(0, 60),
        status: answer.status,
        reason: answer.json.reason,
      }).toEqual({
        url,
        body: JSON.stringify(body).slice(0, 60),
        status,
        reason,
      });
      expect(answer.json.code).toBe(status);
      expect(typeof answer.json.message).toBe('string');
      expect(answer.json).toHaveProperty('metadata.trace_id');
    }
    expect((await store.countByStatus()).pending).toBe(before);
    expect(await vidu('GET', '/ent/v2/tasks/task_missing/creations')).toMatchObject({
      status: 404,
      json: { code: 404, reason: 'TaskNotFound' },
    });
    expect(await vidu('GET', '/ent/v2/tasks?pager.pagesz=101')).toMatchObject({
      status: 400,
      json: { reason: 'PageSizeOutOfRange' },
    });
    expect(await vidu('GET', '/ent/v2/tasks?states=done')).toMatchObject({
      status: 400,
      json: { reason: 'FieldInvalid' },
    });
  });

  it('pages with page_token -> next_page_token and pager.page', async () => {
    const image = await png(48, 48);
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const created = await vidu('POST', '/ent/v2/img2video', {
        model: 'vidu2.0',
        images: [image],
        off_peak: true,
      });
      made.push(String(created.json.task_id));
    }
    const seen: string[] = [];
    let token = '';
    for (let pages = 0; pages < 20; pages += 1) {
      const page = await vidu(
        'GET',
        `/ent/v2/tasks?pager.pagesz=2${token ? `&pager.page_token=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...(page.json.tasks as { id: string }[]).map((task) => task.id));
      token = String(page.json.next_page_token);
      if (token === '') break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of made) expect(seen).toContain(id);
    const second = await vidu('GET', '/ent/v2/tasks?pager.pagesz=2&pager.page=1');
    expect((second.json.tasks as { id: string }[]).map((task) => task.id)).toEqual(seen.slice(2, 4));
    for (const id of made) await vidu('POST', `/ent/v2/tasks/${id}/cancel`);
  });
});
