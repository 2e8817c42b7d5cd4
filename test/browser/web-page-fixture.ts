import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { assembleEmbeddedServer, type EmbeddedServer } from '../../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../../src/store/index.js';
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js';
import { launchChromium } from './chromium.js';

/** Kept after the run (gitignored); .ci/run leaves them for CI to collect. */
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
export const ADMIN = 'browser-admin-token';

/** The frames written for the page's file inputs: a 16:9 pair with motion, a 5:1 and a 1:1. */
export type FrameName = 'start' | 'end' | 'wide' | 'square';

/** A page opened by the fixture, with what it logged and asked for. */
export interface OpenedPage {
  readonly page: Page;
  /** Console errors and uncaught page errors. */
  readonly errors: string[];
  readonly requests: { method: string; path: string; body: string }[];
}

/** The service listening on a real port, a key with a $10 balance, frames on disk, and Chromium. */
export interface WebPageFixture {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Paths of the frames, by name. */
  readonly frames: Readonly<Record<FrameName, string>>;
  /** Where the server under test may send callbacks (it allows the private host 127.0.0.1); answered 204. */
  readonly hookUrl: string;
  /** Each callback received so far: its `webhook-id` and the task status it carried. */
  hooks(): { id: string; status: string }[];
  /** A fresh page (empty storage) that records console errors and every request it makes; closed after the test. */
  openPage(path: string, viewport?: { width: number; height: number }): Promise<OpenedPage>;
  /** Types the fixture's key into the page's key field and leaves it. */
  enterKey(page: Page): Promise<void>;
}

/** Everything started for one test file; each part is closed on teardown if it got started. */
interface Started {
  dir?: string;
  store?: TaskStore;
  storage?: BlobStorage;
  server?: EmbeddedServer;
  receiver?: CallbackReceiver;
  browser?: Browser;
  baseUrl?: string;
  apiKey?: string;
  frames?: Record<FrameName, string>;
}

/** A smooth texture shifted by `shift` pixels, so the two frames have motion for the flow to find. */
async function writeFrame(
  dir: string,
  name: string,
  width: number,
  height: number,
  shift = 0,
): Promise<string> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = 128 + 100 * Math.sin((x - shift) / 5);
      pixels[i + 1] = 128 + 100 * Math.cos(y / 4);
      pixels[i + 2] = 128 + 80 * Math.sin((x - shift + y) / 7);
    }
  }
  const path = join(dir, name);
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
  return path;
}

async function start(started: Started): Promise<void> {
  const dir = (started.dir = await mkdtemp(join(tmpdir(), 'inbetween-browser-')));
  await mkdir(SCREENSHOTS, { recursive: true });
  const store = (started.store = await openSqliteStore({ path: ':memory:' }));
  const storage = (started.storage = await openLocalFolderStorage({ root: join(dir, 'files') }));
  const server = (started.server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: () => started.baseUrl!,
    adminToken: ADMIN,
    fileSecret: 'browser-file-secret',
    fileUrlTtlMs: 3_600_000,
    renderThreads: 2,
    worker: { pollMs: 50, leaseMs: 10_000 },
    service: { allowPrivateHosts: ['127.0.0.1'] },
    webhooks: { pollMs: 25 },
  }));
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (started.baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`);
  server.start();
  // A key with a balance, so the playground's account line has exact figures to show.
  const made = await fetch(`${baseUrl}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'browser', balance: '10.00' }),
  });
  started.apiKey = ((await made.json()) as { key: string }).key;
  started.frames = {
    start: await writeFrame(dir, 'start.png', 64, 36),
    end: await writeFrame(dir, 'end.png', 64, 36, 4),
    wide: await writeFrame(dir, 'wide.png', 100, 20),
    square: await writeFrame(dir, 'square.png', 36, 36),
  };
  started.receiver = await startCallbackReceiver(() => 204);
  started.browser = await launchChromium();
}

async function stop(started: Started): Promise<void> {
  await started.browser?.close();
  await started.server?.close();
  await started.receiver?.close();
  await started.storage?.close();
  await started.store?.close();
  if (started.dir) await rm(started.dir, { recursive: true, force: true });
}

/**
 * Registers the hooks that start the fixture before the file's tests and stop it after them (call it inside the
 * `describe.skipIf(skipWithoutChromium())` block, so nothing starts where the tests are skipped).
 */
export function useWebPageFixture(): WebPageFixture {
  const started: Started = {};
  let context: BrowserContext | undefined;
  beforeAll(() => start(started));
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  afterAll(() => stop(started));

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the web page fixture was used before its beforeAll finished');
    return value;
  };
  const fixture: WebPageFixture = {
    get baseUrl() {
      return ready(started.baseUrl);
    },
    get apiKey() {
      return ready(started.apiKey);
    },
    get frames() {
      return ready(started.frames);
    },
    get hookUrl() {
      return `${ready(started.receiver).origin}/hook`;
    },
    hooks: () =>
      ready(started.receiver).deliveries.map((delivery) => ({
        id: String(delivery.headers['webhook-id']),
        status: (JSON.parse(delivery.body) as { status: string }).status,
      })),
    async openPage(path, viewport = { width: 1280, height: 900 }) {
      context = await ready(started.browser).newContext({ viewport });
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: { method: string; path: string; body: string }[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => {
        const url = new URL(request.url());
        requests.push({ method: request.method(), path: url.pathname, body: request.postData() ?? '' });
      });
      await page.goto(fixture.baseUrl + path);
      await page.waitForSelector('html[data-ready="true"]');
      return { page, errors, requests };
    },
    async enterKey(page) {
      await page.fill('#api-key', fixture.apiKey);
      await page.press('#api-key', 'Tab');
    },
  };
  return fixture;
}

/** A full-page screenshot into test-artifacts/screenshots/`name`.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
