import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { ADMIN, auth, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

const service = useServiceFixture();
beforeAll(async () => {
  // The metrics are checked for a finished render: one is made first.
  const created = (
    await service.create({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 })
  ).json<TaskObject>();
  const done = await service.waitFor(created.id, (t) => t.status === 'completed' || t.status === 'failed');
  if (done.status !== 'completed') throw new Error(`setup render ended ${done.status}`);
});

describe('admin and operations', () => {
  it('creates, lists and revokes keys with the admin token only', async () => {
    const { app, key } = service;
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
    expect(
      (await service.create({ model: 'viduq2_pro_start_end2video', images: [] }, secret)).statusCode,
    ).toBe(400);
    const listed = (await app.inject({ url: '/admin/v1/keys', headers: auth(ADMIN) })).json<{
      keys: { id: string }[];
    }>();
    expect(listed.keys.map((k) => k.id)).toContain(id);
    expect(JSON.stringify(listed)).not.toContain(secret);
    await app.inject({ method: 'POST', url: `/admin/v1/keys/${id}/revoke`, headers: auth(ADMIN) });
    expect(
      (await service.create({ model: 'viduq2_pro_start_end2video', images: [] }, secret)).statusCode,
    ).toBe(401);
  });

  it('answers health, readiness, metrics and the OpenAPI document', async () => {
    const { app } = service;
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
    for (const line of service.server.app.printRoutes({ commonPrefix: false }).split('\n')) {
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
