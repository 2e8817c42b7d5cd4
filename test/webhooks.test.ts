import type { IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../client/src/index.js';
import type { TaskObject } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { startCallbackReceiver, type CallbackReceiver, type Delivery } from './helpers/callback-receiver.js';
import { pollUntil } from './helpers/poll-until.js';
import { texturedPng } from './helpers/textured-png.js';

// Callbacks end to end: a real receiver on loopback, the real dispatcher, signatures checked by a verifier
// written here from the Standard Webhooks text with Web Crypto (not the service's node:crypto signer).

const RETRY_DELAYS = [150, 150, 150];

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let receiver: CallbackReceiver;
let origin: string;
let apiKey: string;
let webhookSecret: string;
let keyId: string;
/** What the receiver got, in order (its live list). */
let received: readonly Delivery[];
/** How many more times each path answers 500 before it answers 204. */
const failuresLeft = new Map<string, number>();

const png = (width: number, height: number, shift = 0) => texturedPng(width, height, { shift, seed: 7 });

/** Standard Webhooks verification, from the spec: HMAC-SHA256(base64-decoded secret, "id.timestamp.body"). */
async function independentlyVerified(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
): Promise<boolean> {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const keyBytes = Uint8Array.from(atob(secret.slice('whsec_'.length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const expected = btoa(String.fromCharCode(...new Uint8Array(mac)));
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => entry === `v1,${expected}`);
}

async function create(body: object): Promise<{
  status: number;
  json: TaskObject & { error?: { code: string; param?: string; message: string } };
}> {
  const response = await server.app.inject({
    method: 'POST',
    url: '/model/v1/generation',
    headers: { authorization: `Bearer ${apiKey}` },
    payload: body,
  });
  return { status: response.statusCode, json: response.json() };
}

async function callbacksOf(id: string) {
  const response = await server.app.inject({
    url: `/model/v1/generation/task/${id}/callbacks`,
    headers: { authorization: `Bearer ${apiKey}` },
  });
  expect(response.statusCode).toBe(200);
  return response.json<{
    callbacks: {
      webhook_id: string;
      event: string;
      state: string;
      attempts: number;
      last_status: number | null;
      attempt_log: { attempt: number; status: number | null; error: string | null }[];
    }[];
  }>().callbacks;
}

beforeAll(async () => {
  receiver = await startCallbackReceiver(({ path }) => {
    const left = failuresLeft.get(path) ?? 0;
    failuresLeft.set(path, left - 1);
    return left > 0 ? 500 : 204;
  });
  ({ origin, deliveries: received } = receiver);

  dir = await mkdtemp(join(tmpdir(), 'inbetween-webhooks-'));
  store = await openSqliteStore({ path: ':memory:' });
  storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:8080',
    adminToken: 'test-admin-token',
    fileSecret: 'test-file-secret',
    renderThreads: 2,
    worker: { pollMs: 50 },
    service: { allowPrivateHosts: ['127.0.0.1'] },
    webhooks: { retryDelaysMs: RETRY_DELAYS, pollMs: 25, timeoutMs: 2_000 },
  });
  server.start();
  const made = await createApiKey(store, 'hooks');
  apiKey = made.secret;
  webhookSecret = made.record.webhookSecret;
  keyId = made.record.id;
});

afterAll(async () => {
  await server.close();
  await storage.close();
  await store.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('callbacks', () => {
  it('posts the signed task object on every status change, retrying a failing receiver under the same id', async () => {
    failuresLeft.set('/hook-a', 0);
    const created = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36), await png(64, 36, 3)],
      duration: 1,
      resolution: '540p',
      callback_url: `${origin}/hook-a`,
    });
    expect(created.status).toBe(200);
    const id = created.json.id;
    // The receiver fails the completed callback twice before accepting it.
    await pollUntil(
      'processing callback',
      () => Promise.resolve(received.filter((r) => r.path === '/hook-a').length),
      (n) => n >= 2,
    );
    failuresLeft.set('/hook-a', 2);
    const log = await pollUntil(
      'three delivered callbacks',
      () => callbacksOf(id),
      (entries) => entries.length === 3 && entries.every((entry) => entry.state === 'delivered'),
    );
    expect(log.map((entry) => entry.event)).toEqual(['pending', 'processing', 'completed']);
    expect(log[2].attempts).toBe(3);
    expect(log[2].attempt_log.map((a) => a.status)).toEqual([500, 500, 204]);
    expect(log[2].attempt_log[0].error).toMatch(/HTTP 500/);

    const hits = received.filter((r) => r.path === '/hook-a');
    expect(hits).toHaveLength(5);
    for (const hit of hits) {
      expect(await independentlyVerified(webhookSecret, hit.headers, hit.body)).toBe(true);
      expect(hit.headers['content-type']).toBe('application/json');
      // The published client agrees, and rejects a body changed by one byte.
      expect(
        verifyWebhook({
          secret: webhookSecret,
          headers: hit.headers,
          body: hit.body,
        }).id,
      ).toBe(id);
      expect(() =>
        verifyWebhook({
          secret: webhookSecret,
          headers: hit.headers,
          body: hit.body + ' ',
        }),
      ).toThrow();
      expect(await independentlyVerified(webhookSecret, hit.headers, hit.body.replace('"id"', '"Id"'))).toBe(
        false,
      );
    }
    const byId = new Map<string, Delivery[]>();
    for (const hit of hits) {
      const group = byId.get(String(hit.headers['webhook-id'])) ?? [];
      byId.set(String(hit.headers['webhook-id']), [...group, hit]);
    }
    expect([...byId.values()].map((group) => group.length).sort()).toEqual([1, 1, 3]);
    const retried = [...byId.values()].find((group) => group.length === 3)!;
    // Same id and bytes on every retry; retries wait the schedule's delays.
    expect(new Set(retried.map((hit) => hit.body)).size).toBe(1);
    expect(retried[1].at - retried[0].at).toBeGreaterThanOrEqual(RETRY_DELAYS[0] - 5);
    const final = JSON.parse(retried[0].body) as TaskObject;
    expect(final).toMatchObject({ id, status: 'completed', usage: { cost: '0.0650' } });
    expect(final.output?.[0].content[0].url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/files\//);
    expect(new Set(log.map((entry) => entry.webhook_id))).toEqual(new Set(byId.keys()));
  });

  it('gives up after the last retry and says so in the log', async () => {
    failuresLeft.set('/hook-down', 100);
    const created = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36)],
      duration: 1,
      resolution: '540p',
      off_peak: true,
      callback_url: `${origin}/hook-down`,
    });
    const id = created.json.id;
    await server.app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${id}/cancel`,
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const log = await pollUntil(
      'failed deliveries',
      () => callbacksOf(id),
      (entries) => entries.length >= 2 && entries.every((entry) => entry.state === 'failed'),
    );
    // The idle worker may have started it before the cancel: then there is a processing callback too.
    expect(log[0].event).toBe('pending');
    expect(log.at(-1)?.event).toBe('cancelled');
    for (const entry of log) {
      expect(entry.attempts).toBe(RETRY_DELAYS.length + 1);
      expect(entry.attempt_log.map((a) => a.status)).toEqual([500, 500, 500, 500]);
    }
    const metrics = (await server.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/inbetween_callbacks\{state="failed"\} [1-9]/);
    expect(metrics).toMatch(/inbetween_callbacks\{state="delivered"\} \d+/);
  });

  it('refuses a callback URL into the private network at create, and another key cannot read the log', async () => {
    const blocked = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36)],
      callback_url: 'http://10.1.2.3/hook',
    });
    expect(blocked.status).toBe(400);
    expect(blocked.json.error).toMatchObject({ code: '002014010', param: 'callback_url' });
    expect(blocked.json.error?.message).toMatch(/blocked address \(private\)/);
    const scheme = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36)],
      callback_url: 'ftp://127.0.0.1/hook',
    });
    expect(scheme.json.error).toMatchObject({ code: '002014010', param: 'callback_url' });

    const mine = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36)],
      off_peak: true,
    });
    const other = (await createApiKey(store, 'other')).secret;
    const response = await server.app.inject({
      url: `/model/v1/generation/task/${mine.json.id}/callbacks`,
      headers: { authorization: `Bearer ${other}` },
    });
    expect(response.statusCode).toBe(404);
    expect(await callbacksOf(mine.json.id)).toEqual([]);
  });

  it('signs with the old and the new secret for a day after a rotation', async () => {
    const rotation = await server.app.inject({
      method: 'POST',
      url: `/admin/v1/keys/${keyId}/rotate-webhook-secret`,
      headers: { authorization: 'Bearer test-admin-token' },
    });
    expect(rotation.statusCode).toBe(200);
    const rotated = rotation.json<{ webhook_secret: string; previous_webhook_secret_valid_until: string }>();
    expect(rotated.webhook_secret).toMatch(/^whsec_/);
    expect(rotated.webhook_secret).not.toBe(webhookSecret);
    const overlap = Date.parse(rotated.previous_webhook_secret_valid_until) - Date.now();
    expect(Math.abs(overlap - 24 * 3_600_000)).toBeLessThan(60_000);

    failuresLeft.set('/hook-rotated', 0);
    const created = await create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36)],
      off_peak: true,
      callback_url: `${origin}/hook-rotated`,
    });
    await pollUntil(
      'a callback after the rotation',
      () => Promise.resolve(received.filter((r) => r.path === '/hook-rotated').length),
      (n) => n >= 1,
    );
    const hit = received.find((r) => r.path === '/hook-rotated')!;
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(await independentlyVerified(webhookSecret, hit.headers, hit.body)).toBe(true);
    expect(await independentlyVerified(rotated.webhook_secret, hit.headers, hit.body)).toBe(true);
    expect(await independentlyVerified('whsec_c29tZW9uZSBlbHNl', hit.headers, hit.body)).toBe(false);
    await server.app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${created.json.id}/cancel`,
      headers: { authorization: `Bearer ${apiKey}` },
    });
  });
});
