import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { pollUntil } from './helpers/poll-until.js';
import { drawRgb, textureAt } from './helpers/synthetic.js';

// Balances through the API: admin keys with a balance, holds at create, 402, refunds on cancel and on a failed
// render, charges on completion, top-ups, usage and the ledger audit, against the real embedded server.

const ADMIN = 'money-admin-token';
const MODEL = 'viduq2_pro_start_end2video';

interface Harness {
  server: EmbeddedServer;
  store: TaskStore;
  storage: BlobStorage;
}

let dir: string;
let ok: Harness;
let failing: Harness;
let image: string;

async function harness(name: string, ffmpegPath?: string): Promise<Harness> {
  const store = await openSqliteStore({ path: ':memory:' });
  const storage = await openLocalFolderStorage({ root: join(dir, name) });
  const server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:8080',
    adminToken: ADMIN,
    fileSecret: 'money-file-secret',
    renderThreads: 2,
    worker: { pollMs: 50, ...(ffmpegPath ? { ffmpegPath } : {}) },
  });
  server.start();
  return { server, store, storage };
}

async function admin<T>(h: Harness, method: 'GET' | 'POST', url: string, payload?: object) {
  const response = await h.server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ADMIN}` },
    ...(payload ? { payload } : {}),
  });
  return { status: response.statusCode, body: response.json<T>() };
}

interface KeyView {
  id: string;
  key?: string;
  webhook_secret?: string;
  balance: string | null;
  held: string;
  spent: string;
  last_used_at: string | null;
}

async function newKey(h: Harness, balance?: string): Promise<KeyView & { key: string }> {
  const { status, body } = await admin<KeyView & { key: string }>(h, 'POST', '/admin/v1/keys', {
    name: 'money',
    ...(balance === undefined ? {} : { balance }),
  });
  expect(status).toBe(201);
  return body;
}

async function create(h: Harness, key: string, extra: object = {}) {
  const response = await h.server.app.inject({
    method: 'POST',
    url: '/model/v1/generation',
    headers: { authorization: `Bearer ${key}` },
    payload: { model: MODEL, images: [image], ...extra },
  });
  return {
    status: response.statusCode,
    body: response.json<TaskObject & { error?: { code: string; message: string } }>(),
  };
}

async function settled(h: Harness, key: string, id: string): Promise<TaskObject> {
  const read = async () =>
    (
      await h.server.app.inject({
        url: `/model/v1/generation/task/${id}`,
        headers: { authorization: `Bearer ${key}` },
      })
    ).json<TaskObject>();
  return pollUntil(
    `task ${id} to finish`,
    read,
    (task) => ['completed', 'failed', 'cancelled'].includes(task.status),
    {
      timeoutMs: 45_000,
      intervalMs: 100,
    },
  );
}

async function keyView(h: Harness, id: string): Promise<KeyView> {
  return (await admin<KeyView>(h, 'GET', `/admin/v1/keys/${id}`)).body;
}

async function expectBalanced(h: Harness): Promise<void> {
  expect((await admin(h, 'GET', '/admin/v1/ledger/audit')).body).toEqual({ balanced: true, problems: [] });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-money-'));
  const texture = textureAt(3);
  const raw = drawRgb(64, 36, (x, y, c) => texture(x, y, c));
  const bytes = await sharp(raw.data, { raw: { width: 64, height: 36, channels: 3 } })
    .png()
    .toBuffer();
  image = `data:image/png;base64,${bytes.toString('base64')}`;
  ok = await harness('ok');
  failing = await harness('failing', '/nonexistent/ffmpeg');
});

afterAll(async () => {
  for (const h of [ok, failing]) {
    await h.server.close();
    await h.storage.close();
    await h.store.close();
  }
  await rm(dir, { recursive: true, force: true });
});

describe('balances', () => {
  it('holds at create, answers 402 when the balance cannot cover a task, refunds a cancel', async () => {
    const key = await newKey(ok, '0.50');
    expect(key).toMatchObject({ balance: '0.5000', held: '0.0000', spent: '0.0000' });
    expect(key.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    // 720p 5 s costs 0.3250; off-peak so that it waits and can be cancelled.
    const first = await create(ok, key.key, { resolution: '720p', duration: 5, off_peak: true });
    expect(first.status).toBe(200);
    const second = await create(ok, key.key, { resolution: '1080p', duration: 5 });
    expect(second.status).toBe(402);
    expect(second.body.error).toMatchObject({ code: '002014011' });
    expect(second.body.error?.message).toBe(
      'Insufficient balance: the task costs 0.6500 USD and the balance is 0.3375 USD',
    );
    expect(await keyView(ok, key.id)).toMatchObject({ balance: '0.3375', held: '0.1625' });
    // The key reads its own account too.
    const own = await ok.server.app.inject({
      url: '/model/v1/account',
      headers: { authorization: `Bearer ${key.key}` },
    });
    expect(own.json()).toEqual({
      key_id: key.id,
      name: 'money',
      balance: '0.3375',
      held: '0.1625',
      spent: '0.0000',
    });
    expect((await ok.server.app.inject({ url: '/model/v1/account' })).statusCode).toBe(401);

    await ok.server.app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${first.body.id}/cancel`,
      headers: { authorization: `Bearer ${key.key}` },
    });
    const task = await settled(ok, key.key, first.body.id);
    // Cancelled before or during the render: refunded either way.
    expect(task.status).toBe('cancelled');
    expect(await keyView(ok, key.id)).toMatchObject({ balance: '0.5000', held: '0.0000', spent: '0.0000' });
    const usage = await admin<{
      ledger: { kind: string; amount: string; task_id: string | null }[];
      refunded: string;
    }>(ok, 'GET', `/admin/v1/keys/${key.id}/usage`);
    expect(usage.body.ledger.map((e) => [e.kind, e.amount, e.task_id])).toEqual([
      ['refund', '0.1625', first.body.id],
      ['hold', '0.1625', first.body.id],
      ['top_up', '0.5000', null],
    ]);
    expect(usage.body.refunded).toBe('0.1625');
    await expectBalanced(ok);
  });

  it('charges a completed task and refunds a failed render', async () => {
    const key = await newKey(ok, '1');
    const done = await create(ok, key.key, { duration: 1, resolution: '540p' });
    expect((await settled(ok, key.key, done.body.id)).status).toBe('completed');
    expect(await keyView(ok, key.id)).toMatchObject({ balance: '0.9350', held: '0.0000', spent: '0.0650' });
    expect((await keyView(ok, key.id)).last_used_at).not.toBeNull();
    await expectBalanced(ok);

    const poor = await newKey(failing, '0.10');
    const broken = await create(failing, poor.key, { duration: 1, resolution: '540p' });
    expect(broken.status).toBe(200);
    const failed = await settled(failing, poor.key, broken.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: '002014012' });
    expect(await keyView(failing, poor.id)).toMatchObject({
      balance: '0.1000',
      held: '0.0000',
      spent: '0.0000',
    });
    await expectBalanced(failing);
  });

  it('tops up limited keys and refuses bad amounts, unlimited keys and unknown keys', async () => {
    const key = await newKey(ok, '0');
    expect((await create(ok, key.key, { duration: 1, resolution: '540p' })).status).toBe(402);
    const topped = await admin<KeyView>(ok, 'POST', `/admin/v1/keys/${key.id}/top-up`, { amount: '2.5' });
    expect(topped).toMatchObject({ status: 200, body: { balance: '2.5000' } });
    expect((await create(ok, key.key, { duration: 1, resolution: '540p', off_peak: true })).status).toBe(200);

    for (const amount of ['0', '-1', 'ten', '1.0000001', null]) {
      const bad = await admin<{ error: { code: string; param: string } }>(
        ok,
        'POST',
        `/admin/v1/keys/${key.id}/top-up`,
        { amount },
      );
      expect(bad.status, String(amount)).toBe(400);
      expect(bad.body.error).toMatchObject({ code: '002014010', param: 'amount' });
    }
    const unlimited = await newKey(ok);
    expect(unlimited.balance).toBeNull();
    const refused = await admin<{ error: { param: string; message: string } }>(
      ok,
      'POST',
      `/admin/v1/keys/${unlimited.id}/top-up`,
      { amount: '1' },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/unlimited/);
    const unknown = await admin<{ error: { code: string } }>(ok, 'POST', '/admin/v1/keys/key_nope/top-up', {
      amount: '1',
    });
    // An id that names no key is not found, like a missing task, not a malformed request.
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'key_not_found' } } });
    expect((await admin(ok, 'POST', '/admin/v1/keys', { balance: 'lots' })).status).toBe(400);
    await expectBalanced(ok);
  });

  it('answers a retried create with its task even when the hold used up the balance', async () => {
    const key = await newKey(ok, '0.1625');
    const send = async (extra: object) =>
      ok.server.app.inject({
        method: 'POST',
        url: '/model/v1/generation',
        headers: { authorization: `Bearer ${key.key}`, 'idempotency-key': 'order-7' },
        payload: { model: MODEL, images: [image], resolution: '720p', duration: 5, off_peak: true, ...extra },
      });
    const first = await send({});
    expect(first.statusCode).toBe(200);
    expect((await keyView(ok, key.id)).balance).toBe('0.0000');
    const retry = await send({});
    expect(retry.statusCode).toBe(200);
    expect(retry.json<TaskObject>().id).toBe(first.json<TaskObject>().id);
    expect((await send({ seed: 5 })).statusCode).toBe(409);
    expect((await keyView(ok, key.id)).balance).toBe('0.0000');
    await ok.server.app.inject({
      method: 'POST',
      url: `/model/v1/generation/task/${first.json<TaskObject>().id}/cancel`,
      headers: { authorization: `Bearer ${key.key}` },
    });
    await expectBalanced(ok);
  });

  it('keeps the money admin-only: an API key gets 403 on top-up and usage', async () => {
    const key = await newKey(ok, '1');
    for (const [method, url] of [
      ['POST', `/admin/v1/keys/${key.id}/top-up`],
      ['GET', `/admin/v1/keys/${key.id}/usage`],
      ['GET', '/admin/v1/ledger/audit'],
    ] as const) {
      const response = await ok.server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key.key}` },
        ...(method === 'POST' ? { payload: { amount: '100' } } : {}),
      });
      expect(response.statusCode, url).toBe(403);
    }
    expect((await keyView(ok, key.id)).balance).toBe('1.0000');
  });
});
