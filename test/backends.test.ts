import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { FakeGateway } from './fakes/fake-gateway.js';
import { FakeVidu } from './fakes/fake-vidu.js';
import {
  keyframe,
  makeOutputs,
  startBackendService,
  type BackendService,
} from './helpers/backend-service.js';

const MODEL = 'viduq2_pro_start_end2video';
const VIDU_KEY = 'vidu-test-key';
const GATEWAY_KEY = 'gateway-test-key';
// 540p, 2 s: 0.04 + 2 x 0.025.
const PRICE = '0.0900';

let outputs: { video: Buffer; cover: Buffer };
let vidu: FakeVidu;
let gateway: FakeGateway;
let service: BackendService | null = null;
let frames: { uri: string; bytes: Buffer }[];

beforeAll(async () => {
  outputs = await makeOutputs();
  frames = [await keyframe(0), await keyframe(4)];
});

async function fakes(): Promise<void> {
  vidu = await FakeVidu.start({ apiKey: VIDU_KEY, ...outputs });
  gateway = await FakeGateway.start({ apiKey: GATEWAY_KEY, ...outputs });
}

async function start(
  routes: string,
  extra: Parameters<typeof startBackendService>[0] = {},
): Promise<BackendService> {
  service = await startBackendService({
    routes,
    vidu: { apiKey: VIDU_KEY, baseUrl: vidu.baseUrl, concurrency: 4 },
    gateway: { apiKey: GATEWAY_KEY, baseUrl: gateway.baseUrl, concurrency: 4 },
    ...extra,
  });
  return service;
}

function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: MODEL,
    images: frames.map((frame) => frame.uri),
    duration: 2,
    resolution: '540p',
    payload: 'client-payload',
    ...extra,
  };
}

async function balance(): Promise<{ balance: string; held: string; spent: string }> {
  return service!.admin(`/admin/v1/keys/${service!.keyId}`);
}

afterEach(async () => {
  await service?.close();
  service = null;
  await vidu?.close();
  await gateway?.close();
});

describe('the vidu backend', () => {
  it('sends the stored bytes and its own tag, polls to success, copies the outputs in and charges once', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 3, credits: 40 };
    const svc = await start(`${MODEL}=vidu`);
    const created = await svc.create(body());
    const done = await svc.waitFor(created.id);
    expect(done.status).toBe('completed');
    const upstreamId = [...vidu.book.tasks.keys()][0];
    expect(done.metadata).toMatchObject({
      backend: 'vidu',
      upstream: { provider: 'vidu', task_id: upstreamId, model: 'viduq2-pro', credits: 40 },
      payload: 'client-payload',
    });
    // One submission, of the stored bytes (not a URL), with the seed reported and inbetween's tag as payload.
    expect(vidu.book.creates).toHaveLength(1);
    const sent = vidu.book.creates[0];
    expect(sent).toMatchObject({
      model: 'viduq2-pro',
      duration: 2,
      resolution: '540p',
      seed: done.metadata.seed,
      payload: `inbetween:${created.id}:1`,
    });
    expect(sent.images).toEqual(
      frames.map((frame) => `data:image/png;base64,${frame.bytes.toString('base64')}`),
    );
    expect(sent).not.toHaveProperty('callback_url');
    // The output is inbetween's own copy, served by its signed URL, byte for byte the provider's file.
    const content = done.output![0].content[0];
    expect(content.url).toMatch(/^http:\/\/127\.0\.0\.1:8080\/files\/tasks\//);
    expect(await svc.download(content.url)).toEqual(outputs.video);
    expect(await svc.download(content.cover_url!)).toEqual(outputs.cover);
    expect(await balance()).toMatchObject({
      balance: (10 - Number(PRICE)).toFixed(4),
      held: '0.0000',
      spent: PRICE,
    });
    const usage = await svc.admin<Record<string, unknown>>(`/admin/v1/keys/${svc.keyId}/usage`);
    expect(usage).toMatchObject({ spent: PRICE, upstream_cost: '0.0000', upstream_credits: 40 });
    expect(await svc.admin('/admin/v1/ledger/audit')).toEqual({ balanced: true, problems: [] });
  });

  it('fails a task the provider failed with its err_code, refunds it and sends it nowhere else', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 1, failWith: 'CreationPolicyViolation', credits: 0 };
    const svc = await start(`${MODEL}=vidu,gateway`);
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('002014012');
    expect(done.error?.message).toContain('CreationPolicyViolation');
    expect(done.metadata.backend).toBe('vidu');
    expect(vidu.book.creates).toHaveLength(1);
    expect(gateway.book.creates).toHaveLength(0);
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000', spent: '0.0000' });
  });

  it('fails a task the provider refused as input (4xx), without failover', async () => {
    await fakes();
    vidu.book.createScripts.push({ kind: 'error', status: 400, reason: 'AuditSubmitIllegal' });
    const svc = await start(`${MODEL}=vidu,gateway`);
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done).toMatchObject({ status: 'failed', error: { code: '002014012' } });
    expect(done.error?.message).toContain('AuditSubmitIllegal');
    expect(gateway.book.creates).toHaveLength(0);
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000' });
  });
});

describe('failover', () => {
  it('moves on to the next backend after a 429 and leaves the provider alone for its Retry-After', async () => {
    await fakes();
    vidu.book.createScripts.push({ kind: 'error', status: 429, reason: 'TooManyRequests', retryAfter: 60 });
    gateway.book.defaultTask = { polls: 2, costUsd: '0.0700' };
    const svc = await start(`${MODEL}=vidu,gateway`);
    const first = await svc.waitFor((await svc.create(body())).id);
    expect(first).toMatchObject({ status: 'completed', metadata: { backend: 'gateway' } });
    expect(first.metadata.upstream).toMatchObject({ provider: 'gateway', model: MODEL, cost: '0.0700' });
    // The gateway got inbetween's tag as payload and as the Idempotency-Key's subject.
    const params = gateway.book.creates[0].input as { params: Record<string, unknown> }[];
    expect(params[0].params.payload).toBe(`inbetween:${first.id}:2`);
    const second = await svc.waitFor((await svc.create(body())).id);
    expect(second.metadata.backend).toBe('gateway');
    expect(vidu.book.creates).toHaveLength(1); // not asked again within its Retry-After
    const usage = await svc.admin<Record<string, unknown>>(`/admin/v1/keys/${svc.keyId}/usage`);
    expect(usage).toMatchObject({ upstream_cost: '0.1400', upstream_credits: 0 });
  });

  it('falls back to the local engine when the provider answers 500', async () => {
    await fakes();
    vidu.book.defaultCreate = { kind: 'error', status: 500, reason: 'InternalServiceFailure' };
    const svc = await start(`${MODEL}=vidu,local`);
    const done = await svc.waitFor((await svc.create(body({ duration: 1 }))).id, undefined, 120_000);
    expect(done).toMatchObject({ status: 'completed', metadata: { backend: 'local' } });
    expect(done.metadata.upstream).toBeUndefined();
    expect(vidu.book.tasks.size).toBe(0);
  }, 150_000);

  it('looks a create without an answer up in the task list, and fails over when it never arrived', async () => {
    await fakes();
    vidu.book.createScripts.push({ kind: 'hang' });
    const svc = await start(`${MODEL}=vidu,gateway`, { requestTimeoutMs: 300 });
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done).toMatchObject({ status: 'completed', metadata: { backend: 'gateway' } });
    expect(vidu.book.tasks.size).toBe(0);
    expect(gateway.book.creates).toHaveLength(1);
  });

  it('keeps a task the provider made although its answer was lost: no second paid task', async () => {
    await fakes();
    vidu.book.createScripts.push({ kind: 'accept-then-hang' });
    const svc = await start(`${MODEL}=vidu,gateway`, { requestTimeoutMs: 300 });
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done).toMatchObject({ status: 'completed', metadata: { backend: 'vidu' } });
    expect(done.metadata.upstream?.task_id).toBe([...vidu.book.tasks.keys()][0]);
    expect(vidu.book.creates).toHaveLength(1);
    expect(gateway.book.creates).toHaveLength(0);
  });

  it('opens the circuit after repeated failures, then lets one trial through after the cool-down', async () => {
    await fakes();
    vidu.book.defaultCreate = { kind: 'error', status: 503, reason: 'InternalServiceFailure' };
    const svc = await start(`${MODEL}=vidu,gateway`, { breakerThreshold: 2, breakerCooldownMs: 1500 });
    for (let i = 0; i < 3; i++) {
      expect((await svc.waitFor((await svc.create(body())).id)).metadata.backend).toBe('gateway');
    }
    expect(vidu.book.creates).toHaveLength(2); // the third task skipped the open circuit
    await new Promise((resolve) => setTimeout(resolve, 1600));
    vidu.book.defaultCreate = { kind: 'accept' };
    expect((await svc.waitFor((await svc.create(body())).id)).metadata.backend).toBe('vidu');
    expect((await svc.waitFor((await svc.create(body())).id)).metadata.backend).toBe('vidu');
    expect(vidu.book.creates).toHaveLength(4);
  });
});

describe('limits, cancel and the copy of outputs', () => {
  it('never runs more tasks on a provider than its concurrency limit; the rest wait in the queue', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 6 };
    const svc = await startBackendService({
      routes: `${MODEL}=vidu`,
      vidu: { apiKey: VIDU_KEY, baseUrl: vidu.baseUrl, concurrency: 2 },
      pollIntervalMs: 20,
    });
    service = svc;
    const made = await Promise.all([1, 2, 3, 4, 5].map(() => svc.create(body())));
    const done = await Promise.all(made.map((task) => svc.waitFor(task.id)));
    expect(done.map((task) => task.status)).toEqual(Array(5).fill('completed'));
    expect(vidu.book.peakRunning).toBe(2);
    expect(vidu.book.creates).toHaveLength(5);
  });

  it('cancels upstream when the client cancels, and refunds', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 100_000 };
    const svc = await start(`${MODEL}=vidu`);
    const created = await svc.create(body());
    const running = await svc.waitFor(created.id, (t) => t.metadata.upstream !== undefined);
    const cancelled = await svc.cancel(created.id);
    expect(cancelled.status).toBe('cancelled');
    const upstreamId = running.metadata.upstream!.task_id;
    await waitUntil(() => vidu.book.cancels.includes(upstreamId));
    expect(vidu.book.tasks.get(upstreamId)?.state).toBe('cancelled');
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000', spent: '0.0000' });
    await waitUntil(async () => (await svc.store.listUpstreamAttempts(created.id))[0].state === 'cancelled');
  });

  it('still refunds the customer when the provider can no longer cancel, and records what it charged', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 100_000, uncancellable: true, credits: 20 };
    const svc = await start(`${MODEL}=vidu`);
    const created = await svc.create(body());
    await svc.waitFor(created.id, (t) => t.metadata.upstream !== undefined);
    expect((await svc.cancel(created.id)).status).toBe('cancelled');
    await waitUntil(async () => (await svc.store.listUpstreamAttempts(created.id))[0].state === 'cancelled');
    const [attempt] = await svc.store.listUpstreamAttempts(created.id);
    expect(attempt.reason).toContain('could not cancel');
    expect(attempt.credits).toBe(20);
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000' });
  });

  it('gives up on an upstream task past INBETWEEN_UPSTREAM_TIMEOUT: fails, refunds and cancels it upstream', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 100_000 };
    const svc = await start(`${MODEL}=vidu`, { timeoutMs: 1500 });
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done).toMatchObject({ status: 'failed', error: { code: '002014012' } });
    expect(done.error?.message).toContain('vidu gave no result within 2 s');
    const upstreamId = done.metadata.upstream!.task_id;
    expect(vidu.book.cancels).toEqual([upstreamId]);
    expect(vidu.book.tasks.get(upstreamId)?.state).toBe('cancelled');
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000' });
  });

  it('fetches fresh URLs when an output URL has expired, and completes once the files are stored', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 1, expiredDownloads: 2 };
    const svc = await start(`${MODEL}=vidu`);
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done.status).toBe('completed');
    expect(await svc.download(done.output![0].content[0].url)).toEqual(outputs.video);
    const [upstream] = vidu.book.tasks.values();
    expect(upstream.downloads).toBe(3);
    expect(vidu.book.creates).toHaveLength(1);
  });

  it('fails and refunds a task whose output stays expired, keeping what the provider charged', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 1, expiredDownloads: 1000, credits: 10 };
    const svc = await start(`${MODEL}=vidu`, { copyAttempts: 3 });
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done).toMatchObject({ status: 'failed', error: { code: '002014012' } });
    expect(done.error?.message).toContain('HTTP 404');
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000' });
    const usage = await svc.admin<Record<string, unknown>>(`/admin/v1/keys/${svc.keyId}/usage`);
    expect(usage).toMatchObject({ upstream_credits: 10 });
  });

  it('refuses an output that is not a video', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 1, output: 'text' };
    const svc = await start(`${MODEL}=vidu`);
    const done = await svc.waitFor((await svc.create(body())).id);
    expect(done).toMatchObject({ status: 'failed', error: { code: '002014012' } });
    expect(done.error?.message).toContain('not an MP4');
    const [upstream] = vidu.book.tasks.values();
    expect(upstream.downloads).toBe(1); // wrong bytes are not fetched again
    expect(await balance()).toMatchObject({ balance: '10.0000', held: '0.0000' });
  });
});

describe('the gateway backend against another inbetween', () => {
  it('chains two deployments: the second renders locally, the first copies its video and keeps its cost', async () => {
    await fakes();
    const renderer = await startBackendService({}, { listen: true });
    try {
      const front = await startBackendService({
        routes: `${MODEL}=gateway`,
        gateway: { apiKey: renderer.key, baseUrl: renderer.url, concurrency: 1 },
        pollIntervalMs: 100,
      });
      service = front;
      const created = await front.create(body({ duration: 1 }));
      const done = await front.waitFor(created.id, undefined, 150_000);
      expect(done).toMatchObject({
        status: 'completed',
        metadata: { backend: 'gateway', payload: 'client-payload' },
      });
      const upstream = await renderer.get(done.metadata.upstream!.task_id);
      expect(upstream).toMatchObject({
        status: 'completed',
        metadata: { backend: 'local', payload: `inbetween:${created.id}:1`, seed: done.metadata.seed },
      });
      // The front's copy is byte for byte the renderer's video, served from the front's own storage.
      const theirs = await renderer.download(upstream.output![0].content[0].url);
      expect(await front.download(done.output![0].content[0].url)).toEqual(theirs);
      // 540p 1 s at the renderer's prices: what the front paid upstream, beside what its customer paid.
      const usage = await front.admin<Record<string, unknown>>(`/admin/v1/keys/${front.keyId}/usage`);
      expect(usage).toMatchObject({ spent: '0.0650', upstream_cost: '0.0650' });
    } finally {
      await renderer.close();
    }
  }, 180_000);
});

describe('graceful stop with an upstream task', () => {
  it('hands the task back without an attempt and without cancelling upstream; the next worker resumes it', async () => {
    await fakes();
    vidu.book.defaultTask = { polls: 150 };
    const dir = await mkdtemp(join(tmpdir(), 'inbetween-stop-'));
    const store = await openSqliteStore({ path: join(dir, 'db.sqlite') });
    const settings = {
      routes: `${MODEL}=vidu`,
      vidu: { apiKey: VIDU_KEY, baseUrl: vidu.baseUrl, concurrency: 1 },
    };
    const first = await startBackendService(settings, { store, dir, stopGraceMs: 100 });
    const created = await first.create(body());
    await first.waitFor(created.id, (t) => t.metadata.upstream !== undefined);
    await first.close();
    expect(await store.getTask(created.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(vidu.book.cancels).toHaveLength(0);

    const second = await startBackendService(settings, {
      store,
      dir,
      key: { secret: first.key, id: first.keyId },
    });
    service = second;
    const done: TaskObject = await second.waitFor(created.id);
    expect(done.status).toBe('completed');
    expect(vidu.book.creates).toHaveLength(1); // resumed, not submitted again
    expect((await store.getTask(created.id))?.attempts).toBe(1);
    await second.close();
    service = null;
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}
