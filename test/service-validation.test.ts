import { describe, expect, it } from 'vitest';
import { auth, useServiceFixture } from './helpers/service-fixture.js';
import { texturedPng as png } from './helpers/textured-png.js';

const service = useServiceFixture();

describe('bad requests are answered at create time and store nothing', () => {
  const valid = async () => ({ model: 'viduq2_pro_start_end2video', images: [await png(32, 32)] });

  it.each([
    [
      'no images',
      () => Promise.resolve({ model: 'viduq2_pro_start_end2video', images: [] }),
      400,
      '002014001',
    ],
    [
      'three images',
      async () => ({ ...(await valid()), images: [await png(32, 32), await png(32, 32), await png(32, 32)] }),
      400,
      '002014002',
    ],
    [
      'a GIF',
      async () => ({ ...(await valid()), images: [await png(32, 32, { format: 'gif' })] }),
      400,
      '002014003',
    ],
    [
      'a prompt of 2001 characters',
      async () => ({ ...(await valid()), prompt: 'x'.repeat(2001) }),
      400,
      '002014009',
    ],
    ['duration 9', async () => ({ ...(await valid()), duration: 9 }), 400, '002014010'],
    ['a 1:5 image', async () => ({ ...(await valid()), images: [await png(20, 100)] }), 400, '002014007'],
    [
      '16:9 then 9:16',
      async () => ({ ...(await valid()), images: [await png(64, 36), await png(36, 64)] }),
      400,
      '002014008',
    ],
    ['an unknown model', async () => ({ ...(await valid()), model: 'sora' }), 404, 'model_not_found'],
  ])('%s', async (_name, body, status, code) => {
    const before = (await service.store.countByStatus()).pending;
    const response = await service.create(await body());
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code } });
    expect((await service.store.countByStatus()).pending).toBe(before);
  });

  it('refuses a missing or wrong key, bad JSON and a body over 20 MB', async () => {
    const { app, key } = service;
    expect(
      (await app.inject({ method: 'POST', url: '/model/v1/generation', payload: {} })).json(),
    ).toMatchObject({
      error: { code: 'unauthorized' },
    });
    expect((await service.create(await valid(), 'ib_wrong')).statusCode).toBe(401);
    const bad = await app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: { ...auth(key), 'content-type': 'application/json' },
      payload: '{"model": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const huge = await app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: { ...auth(key), 'content-type': 'application/json' },
      payload: JSON.stringify({ model: 'viduq2_pro_start_end2video', payload: 'x'.repeat(21 * 1024 * 1024) }),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });
});
