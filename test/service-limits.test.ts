import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/account-service.js';
import { buildApp } from '../src/http/app.js';
import { openSqliteStore } from '../src/store/index.js';
import { TaskService } from '../src/tasks/task-service.js';
import {
  ADMIN,
  auth,
  FILE_SECRET,
  startServiceFixture,
  type ServiceFixture,
} from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

// Each test builds its own app over its own store and no worker, sharing only the fixture's file storage.
let service: ServiceFixture;
beforeAll(async () => (service = await startServiceFixture()));
afterAll(() => service.close());

describe('limits', () => {
  it("answers 429 with Retry-After past a key's unfinished-task limit", async () => {
    const { storage } = service;
    // Its own store and no worker, so the tasks it accepts stay pending.
    const limitedStore = await openSqliteStore({ path: ':memory:' });
    const tasks = new TaskService({ store: limitedStore, storage, fileUrl: (k) => k, maxActiveTasks: 2 });
    const limited = buildApp({
      service: tasks,
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
    const { storage } = service;
    const queueStore = await openSqliteStore({ path: ':memory:' });
    const tasks = new TaskService({ store: queueStore, storage, fileUrl: (k) => k, maxQueue: 1 });
    const bounded = buildApp({
      service: tasks,
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
    const { storage } = service;
    const limitedStore = await openSqliteStore({ path: ':memory:' });
    const tasks = new TaskService({ store: limitedStore, storage, fileUrl: (k) => k });
    const limited = buildApp({
      service: tasks,
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
