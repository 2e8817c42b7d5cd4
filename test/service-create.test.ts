import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { findFfprobe, probeVideo } from './helpers/probe-video.js';
import { auth, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

const service = useServiceFixture();

describe('creating and rendering a task', () => {
  it('renders two keyframes end to end and serves the video by a signed URL with ranges', async () => {
    const { app } = service;
    const response = await service.create({
      model: 'viduq2_pro_start_end2video',
      images: [await png(64, 36), await png(64, 36, { shift: 4 })],
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

    const done = await service.waitFor(created.id, (t) => t.status === 'completed' || t.status === 'failed');
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
      const path = join(service.dir, 'downloaded.mp4');
      await writeFile(path, video.rawPayload);
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
      await service.create({
        model: 'viduq2_pro_start_end2video',
        images: [await png(64, 36), await png(64, 36, { shift: 5 })],
        duration: 1,
        resolution: '540p',
        is_rec: true,
        prompt: 'ignored when is_rec is on',
        watermark: true,
        bgm: true,
      })
    ).json<TaskObject>();
    const done = await service.waitFor(created.id, (t) => t.status === 'completed' || t.status === 'failed');
    expect(done.status).toBe('completed');
    expect(done.metadata.recommended_prompt).toMatch(/camera|scene/i);
    expect(done.metadata.bgm_preset).toMatch(/^[a-z-]+$/);
    expect(done.usage).toEqual({ cost: '0.1150', discount: 1 });
    if (findFfprobe()) {
      const url = new URL(done.output![0].content[0].url);
      const path = join(service.dir, 'finished.mp4');
      await writeFile(path, (await service.app.inject({ url: url.pathname + url.search })).rawPayload);
      expect((await probeVideo(path)).streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
    }
  });

  it('accepts the enveloped body and the X-Model header', async () => {
    const response = await service.create(
      { input: [{ params: { images: [await png(48, 48)], duration: 1, resolution: '540p' } }] },
      service.key,
      { 'x-model': 'viduq2_pro_start_end2video' },
    );
    expect(response.statusCode).toBe(200);
    expect(response.json<TaskObject>().metadata).toMatchObject({ width: 720, height: 720 });
  });

  it("answers another key's task as not found", async () => {
    const created = (
      await service.create({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 })
    ).json<TaskObject>();
    const other = await service.app.inject({
      url: `/model/v1/generation/task/${created.id}`,
      headers: auth(service.otherKey),
    });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ error: { code: 'task_not_found' } });
    expect(other.json<{ request_id: string }>().request_id).toMatch(/^req_/);
  });
});
