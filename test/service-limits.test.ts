import { describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/account-service.js';
import { buildApp } from '../src/http/app.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { TaskService } from '../src/tasks/task-service.js';
import { ADMIN, auth, FILE_SECRET, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

// Each test builds its own app over its own store and no worker, sharing only the fixture's file storage.
const service = useServiceFixture();

/** An app with the limits under test, over a store of its own and no worker; `names` are its keys' names. */
async function limitedApp(
  limits: { maxActiveTasks?: number; maxQueue?: number; rateLimit?: number },
  names: string[],
): Promise<{ app: ReturnType<typeof buildApp>; store: TaskStore; secrets: string[] }> {
  const { storage } = service;
  const { rateLimit, ...queueLimits } = limits;
  const store = await openSqliteStore({ path: ':memory:' });
  const tasks = new TaskService({ store, storage, fileUrl: (k) => k, ...queueLimits });
  const app = buildApp({
    service: tasks,
    store,
    storage,
    adminToken: ADMIN,
    fileSecret: FILE_SECRET,
    ...(rateLimit === undefined ? {} : { rateLimit }),
  });
  const secrets = [];
  for (const name of names) secrets.push((await createApiKey(store, name)).secret);
  return { app, store, secrets };
}

describe('limits', () => {
  it("answers 429 with Retry-After past a key's unfinished-task limit", async () => {
    // Its own store and no worker, so the tasks it accepts stay pending.
    const {
      app: limited,
      store: limitedStore,
      secrets: [secret],
    } = await limitedApp({ maxActiveTasks: 2 }, ['limited']);
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
    const {
      app: bounded,
      store: queueStore,
      secrets: [a, b],
    } = await limitedApp({ maxQueue: 1 }, ['a', 'b']);
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
    const {
      app: limited,
      store: limitedStore,
      secrets: [a, b],
    } = await limitedApp({ rateLimit: 1 }, ['a', 'b']);
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
