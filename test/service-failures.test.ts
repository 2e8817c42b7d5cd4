import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../src/server/embedded-server.js';
import { openSqliteStore, type TaskStore } from '../src/store/index.js';
import { ADMIN, auth, BASE, FILE_SECRET, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

const service = useServiceFixture();

describe('images by URL, and failures after create', () => {
  let imageServer: Server;
  let origin: string;
  let failing: { server: EmbeddedServer; app: EmbeddedServer['app']; store: TaskStore; key: string };

  beforeAll(async () => {
    const image = Buffer.from((await png(64, 36)).split(',')[1], 'base64');
    imageServer = createServer((request, response) => {
      if (request.url === '/start.png')
        return void response.writeHead(200, { 'content-type': 'image/png' }).end(image);
      if (request.url === '/huge') {
        // 51 MB without a Content-Length: only the streamed limit can stop it.
        response.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(1 << 20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 51 && response.write(chunk)) sent++;
          if (sent < 51) response.once('drain', pump);
          else response.end();
        };
        response.on('error', () => undefined);
        return pump();
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;

    // A second service whose worker cannot encode (no such ffmpeg) and which may fetch from 127.0.0.1.
    const store2 = await openSqliteStore({ path: ':memory:' });
    const server2 = assembleEmbeddedServer({
      store: store2,
      storage: service.storage,
      publicUrl: BASE,
      adminToken: ADMIN,
      fileSecret: FILE_SECRET,
      renderThreads: 1,
      worker: { pollMs: 50, ffmpegPath: '/nonexistent/ffmpeg' },
      service: { allowPrivateHosts: ['127.0.0.1'] },
    });
    failing = {
      server: server2,
      app: server2.app,
      store: store2,
      key: (await createApiKey(store2, 'failing')).secret,
    };
    server2.start();
  });

  afterAll(async () => {
    await failing.server.close();
    imageServer.close();
  });

  const createOn = (body: object) =>
    failing.app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: auth(failing.key),
      payload: body,
    });

  it('fetches an allowed URL, and names why others fail: 404, too large, blocked address, corrupt data', async () => {
    const model = 'viduq2_pro_start_end2video';
    expect((await createOn({ model, images: [`${origin}/start.png`], duration: 1 })).statusCode).toBe(200);
    const missing = await createOn({ model, images: [`${origin}/missing.png`] });
    expect(missing.json()).toMatchObject({ error: { code: '002014005', param: 'images[0]' } });
    expect(missing.json<{ error: { message: string } }>().error.message).toMatch(/404/);
    const huge = await createOn({ model, images: [`${origin}/start.png`, `${origin}/huge`] });
    expect(huge.json()).toMatchObject({ error: { code: '002014004', param: 'images[1]' } });
    const blocked = await createOn({ model, images: ['http://10.0.0.1/start.png'] });
    expect(blocked.json()).toMatchObject({ error: { code: '002014005' } });
    expect(blocked.json<{ error: { message: string } }>().error.message).toMatch(/blocked/);
    const truncated = (await png(64, 36)).slice(0, 200);
    expect((await createOn({ model, images: [truncated] })).json()).toMatchObject({
      error: { code: '002014006' },
    });
  });

  it('fails a task whose render fails with 002014012, and keeps serving', async () => {
    const created = (
      await createOn({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)], duration: 1 })
    ).json<TaskObject>();
    const deadline = Date.now() + 30_000;
    let task = created;
    while (task.status !== 'failed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      task = (
        await failing.app.inject({
          url: `/model/v1/generation/task/${created.id}`,
          headers: auth(failing.key),
        })
      ).json<TaskObject>();
    }
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ code: '002014012' });
    expect(task.output).toBeUndefined();
    expect((await failing.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers an unexpected failure as internal_error with the request id, and stays up', async () => {
    await failing.server.worker.stop();
    await failing.store.close();
    const response = await failing.app.inject({
      url: '/model/v1/generation/task/task_x',
      headers: auth(failing.key),
    });
    expect(response.statusCode).toBe(500);
    const body = response.json<{ error: { code: string; message: string }; request_id: string }>();
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).not.toMatch(/database/i);
    expect(body.request_id).toBe(response.headers['x-request-id']);
    expect((await failing.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await failing.app.inject({ url: '/readyz' })).statusCode).toBe(503);
  });
});
