import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { auth, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

const service = useServiceFixture();
beforeAll(async () => {
  // The listing reads two pages of two: the caller needs more tasks than the idempotency test leaves it.
  for (const shift of [0, 1]) {
    const response = await service.create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(32, 32, { shift })],
      duration: 1,
      resolution: '540p',
    });
    if (response.statusCode !== 200) throw new Error(`setup create answered ${response.statusCode}`);
  }
});

describe('idempotency, listing and cancelling', () => {
  it('gives the same task for the same Idempotency-Key and body, 409 for another body', async () => {
    const { key } = service;
    const body = {
      model: 'viduq2_pro_start_end2video',
      images: [await png(32, 32)],
      duration: 1,
      resolution: '540p',
    };
    const a = await service.create(body, key, { 'idempotency-key': 'same-1' });
    const b = await service.create(body, key, { 'idempotency-key': 'same-1' });
    expect(b.json<TaskObject>().id).toBe(a.json<TaskObject>().id);
    const c = await service.create({ ...body, duration: 2 }, key, { 'idempotency-key': 'same-1' });
    expect(c.statusCode).toBe(409);
    expect(c.json()).toMatchObject({ error: { code: 'idempotency_conflict' } });
  });

  it("lists the caller's tasks newest first, by pages and by status", async () => {
    const { app, key, otherKey } = service;
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
    const { app, key } = service;
    const created = (
      await service.create({
        model: 'viduq2_pro_start_end2video',
        images: [await png(64, 36), await png(64, 36, { shift: 3 })],
        duration: 8,
        resolution: '1080p',
      })
    ).json<TaskObject>();
    await service.waitFor(created.id, (t) => t.status === 'processing' && t.progress > 0.15);
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
    expect(await service.storage.stat(`tasks/${created.id}/video.mp4`)).toBeUndefined();
  });
});
