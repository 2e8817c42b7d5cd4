import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskObject } from '../src/contract/index.js';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage } from '../src/storage/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { parseOffPeakWindow, type OffPeakWindow } from '../src/tasks/off-peak-window.js';
import { drawRgb, textureAt } from './helpers/synthetic.js';

// Off-peak scheduling in the real worker: with a second render slot free, an off-peak task waits while a normal
// task renders, unless the clock is inside the configured window.

let dir: string;
let image: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-off-peak-'));
  const texture = textureAt(5);
  const raw = drawRgb(64, 36, (x, y, c) => texture(x, y, c));
  const bytes = await sharp(raw.data, { raw: { width: 64, height: 36, channels: 3 } })
    .png()
    .toBuffer();
  image = `data:image/png;base64,${bytes.toString('base64')}`;
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** A window of one hour around now, in UTC. */
function windowAroundNow(): OffPeakWindow {
  const now = new Date();
  const minute = (now.getUTCHours() * 60 + now.getUTCMinutes() + 1439) % 1440;
  const end = (minute + 60) % 1440;
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const window = parseOffPeakWindow(`${hhmm(minute)}-${hhmm(end)}`);
  if (!window) throw new Error('expected a window');
  return window;
}

/** Starts a normal 1080p 8 s render and an off-peak task, and reports the off-peak task's status while the
 *  normal one is still rendering. */
async function offPeakStatusBesideABusyRender(offPeakWindow: OffPeakWindow | null): Promise<string> {
  const store = await openSqliteStore({ path: ':memory:' });
  const storage = await openLocalFolderStorage({ root: join(dir, String(Math.random())) });
  const server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: 'http://127.0.0.1:8080',
    adminToken: 'admin-token-for-tests',
    fileSecret: 'secret',
    renderThreads: 2,
    worker: { pollMs: 25, concurrency: 2, offPeakWindow },
  });
  server.start();
  const key = (await createApiKey(store, 'off-peak')).secret;
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) =>
    (
      await server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(payload ? { payload } : {}),
      })
    ).json<TaskObject>();
  try {
    const model = 'viduq2_pro_start_end2video';
    const busy = await call('POST', '/model/v1/generation', {
      model,
      images: [image],
      duration: 8,
      resolution: '1080p',
    });
    for (
      let i = 0;
      i < 200 && (await call('GET', `/model/v1/generation/task/${busy.id}`)).status === 'pending';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const offPeak = await call('POST', '/model/v1/generation', {
      model,
      images: [image],
      duration: 1,
      off_peak: true,
    });
    // Several poll intervals of the free render slot.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [busyNow, offPeakNow] = await Promise.all([
      call('GET', `/model/v1/generation/task/${busy.id}`),
      call('GET', `/model/v1/generation/task/${offPeak.id}`),
    ]);
    expect(busyNow.status).toBe('processing');
    await call('POST', `/model/v1/generation/task/${busy.id}/cancel`);
    await call('POST', `/model/v1/generation/task/${offPeak.id}/cancel`);
    return offPeakNow.status;
  } finally {
    await server.close();
    await storage.close();
    await store.close();
  }
}

describe('off-peak scheduling', () => {
  it('keeps an off-peak task waiting while the service is busy outside the window', async () => {
    expect(await offPeakStatusBesideABusyRender(null)).toBe('pending');
  });

  it('runs it beside other work inside the window', async () => {
    expect(['processing', 'completed']).toContain(await offPeakStatusBesideABusyRender(windowAroundNow()));
  });
});
