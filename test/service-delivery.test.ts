import { describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { buildApp } from '../src/http/app.js';
import { ADMIN, auth, FILE_SECRET, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

const service = useServiceFixture();

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

describe('delivery: precharge, event stream, sync', () => {
  it('quotes a request without creating anything', async () => {
    const { app, key, store } = service;
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
    const { app, key, otherKey } = service;
    const created = (
      await service.create({
        model: 'viduq2_pro_start_end2video',
        images: [await png(64, 36), await png(64, 36, { shift: 2 })],
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
    const { app, key, store, storage } = service;
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
      service: service.server.service,
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
