import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assembleEmbeddedServer, type EmbeddedServer } from '../../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../../src/store/index.js';
import { CHROMIUM_MISSING, launchChromium, skipWithoutChromium } from './chromium.js';

/** Kept after the run (gitignored); .ci/run leaves them for CI to collect. */
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
const ADMIN = 'browser-admin-token';

let dir: string;
let store: TaskStore;
let storage: BlobStorage;
let server: EmbeddedServer;
let baseUrl: string;
let apiKey: string;
let browser: Browser;
let context: BrowserContext | undefined;
/** The callback receiver: answers 204 and keeps each callback's `webhook-id` and the task status it carried. */
let receiver: Server;
let hookUrl: string;
const hooks: { id: string; status: string }[] = [];
const frames: Record<'start' | 'end' | 'wide' | 'square', string> = {
  start: '',
  end: '',
  wide: '',
  square: '',
};

/** A smooth texture shifted by `shift` pixels, so the two frames have motion for the flow to find. */
async function writeFrame(name: string, width: number, height: number, shift = 0): Promise<string> {
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

/** A callback receiver on 127.0.0.1 (the server under test allows that private host) that answers 204. */
async function startReceiver(): Promise<void> {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const task = JSON.parse(Buffer.concat(chunks).toString()) as { status: string };
      hooks.push({ id: String(request.headers['webhook-id']), status: task.status });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
}

/** A fresh page (empty storage) that records console errors and every request it makes. */
async function openPage(path: string, viewport = { width: 1280, height: 900 }) {
  context = await browser.newContext({ viewport });
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
  await page.goto(baseUrl + path);
  await page.waitForSelector('html[data-ready="true"]');
  return { page, errors, requests };
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function enterKey(page: Page): Promise<void> {
  await page.fill('#api-key', apiKey);
  await page.press('#api-key', 'Tab');
}

const DELIVERED = ['pending delivered 1', 'processing delivered 1', 'completed delivered 1'];

/** Each callback row as "event state attempts", read in the page. */
function rowStates(rows: Element[]): string[] {
  return rows.map((row) => {
    const cells = [...row.children].map((cell) => cell.textContent ?? '');
    return `${cells[0]} ${cells[1]} ${cells[2]}`;
  });
}

// Locally without Chromium: skipped with a warning. In CI (CI=true): run, so a missing Chromium fails.
describe.skipIf(skipWithoutChromium())(`the web pages in Chromium (else: ${CHROMIUM_MISSING})`, () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inbetween-browser-'));
    await mkdir(SCREENSHOTS, { recursive: true });
    store = await openSqliteStore({ path: ':memory:' });
    storage = await openLocalFolderStorage({ root: join(dir, 'files') });
    server = assembleEmbeddedServer({
      store,
      storage,
      publicUrl: () => baseUrl,
      adminToken: ADMIN,
      fileSecret: 'browser-file-secret',
      fileUrlTtlMs: 3_600_000,
      renderThreads: 2,
      worker: { pollMs: 50, leaseMs: 10_000 },
      service: { allowPrivateHosts: ['127.0.0.1'] },
      webhooks: { pollMs: 25 },
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    server.start();
    // A key with a balance, so the playground's account line has exact figures to show.
    const made = await fetch(`${baseUrl}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'browser', balance: '10.00' }),
    });
    apiKey = ((await made.json()) as { key: string }).key;
    frames.start = await writeFrame('start.png', 64, 36);
    frames.end = await writeFrame('end.png', 64, 36, 4);
    frames.wide = await writeFrame('wide.png', 100, 20);
    frames.square = await writeFrame('square.png', 36, 36);
    await startReceiver();
    browser = await launchChromium();
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
    await storage?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('generates a 1 s 540p video from two frames, plays it and shows its callbacks', async () => {
    const { page, errors } = await openPage('/');
    await enterKey(page);
    await expect.poll(() => page.textContent('#account')).toBe('Balance $10.0000 · spent $0.0000');
    await page.setInputFiles('#start-file', frames.start);
    await page.setInputFiles('#end-file', frames.end);
    await expect.poll(() => page.textContent('#start-info')).toContain('png, 64x36');
    await expect.poll(() => page.textContent('#end-info')).toContain('png, 64x36');
    await page.fill('#prompt', 'slow push in');
    expect(await page.textContent('#prompt-count')).toBe('12 / 2000');
    await page.selectOption('#duration', '1');
    await page.selectOption('#resolution', '540p');
    // 540p: $0.04 + $0.025 x 1 s, quoted by the server.
    await expect.poll(() => page.textContent('#quote')).toBe('$0.0650');
    await page.click('summary');
    await page.fill('#callback-url', hookUrl);
    await screenshot(page, 'playground-before');

    await page.click('#generate');
    await page.waitForSelector('#task[data-status="completed"]', { timeout: 60_000 });
    // The playground says which backend rendered the task.
    expect(await page.textContent('#task-status')).toMatch(/· local$/);
    const playing = await page.waitForFunction(
      () => {
        const video = document.querySelector('video');
        return video && video.readyState >= 2 && video.currentTime > 0 && !video.paused
          ? { duration: video.duration, width: video.videoWidth, height: video.videoHeight }
          : null;
      },
      undefined,
      { timeout: 20_000 },
    );
    const video = (await playing.jsonValue()) as { duration: number; width: number; height: number };
    expect(video.duration).toBeGreaterThan(0.9);
    expect(video.duration).toBeLessThan(1.2);
    expect(video.width / video.height).toBeCloseTo(16 / 9, 1);
    expect(await page.textContent('#task-cost')).toBe('$0.0650');
    // Completion charged the hold; the line reloads when the task ends.
    await expect.poll(() => page.textContent('#account')).toBe('Balance $9.9350 · spent $0.0650');
    expect(await page.textContent('#task-seed')).toMatch(/^\d+$/);
    expect(await page.getAttribute('#task-download', 'href')).toMatch(/^\/files\/.+signature=/);
    await page.waitForFunction(
      () => (document.querySelector('#task-cover') as HTMLImageElement).naturalWidth > 0,
    );
    const id = await page.textContent('#task-id');
    expect(await page.getAttribute(`#recent-list li[data-task-id="${id}"]`, 'data-status')).toBe('completed');
    // The task's created_at is integer Unix seconds: the list shows today's date, not one in January 1970.
    const when = await page.textContent(`#recent-list li[data-task-id="${id}"] .task-line.hint`);
    const shown = await page.evaluate(() => new Date().toLocaleDateString());
    expect(when).toContain(shown);
    expect(when).not.toContain('1970');
    await screenshot(page, 'playground-after');

    // One callback per status change, each delivered on its first attempt; the log follows the final one.
    const callbacks = page.locator('#callbacks-body tr');
    await expect.poll(() => callbacks.evaluateAll(rowStates), { timeout: 10_000 }).toEqual(DELIVERED);
    expect(await page.textContent('#callbacks-url')).toBe(hookUrl);
    expect(await callbacks.first().textContent()).toContain('HTTP 204');
    expect(hooks.map((hook) => hook.status)).toEqual(['pending', 'processing', 'completed']);
    expect(new Set(hooks.map((hook) => hook.id)).size).toBe(3);
    await page.locator('#task-callbacks').scrollIntoViewIfNeeded();
    await screenshot(page, 'playground-callbacks');

    // The key is remembered, and the task reopens from the list after a reload.
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.inputValue('#api-key')).toBe(apiKey);
    await expect.poll(() => page.textContent('#account')).toBe('Balance $9.9350 · spent $0.0650');
    await page.click(`button[aria-label="Open task ${id}"]`);
    await page.waitForSelector('#task[data-status="completed"] #task-result:not([hidden])');
    // A reopened task's log is asked for once: the task object does not say it has a callback URL.
    await expect.poll(() => callbacks.evaluateAll(rowStates)).toEqual(DELIVERED);
    await page.click('#callbacks-refresh');
    await expect.poll(() => callbacks.evaluateAll(rowStates)).toEqual(DELIVERED);
    expect(errors).toEqual([]);
  });

  it('refuses a 5:1 frame and a mismatched end frame before sending anything', async () => {
    const { page, errors, requests } = await openPage('/');
    // An unknown key: the account line says what the API says.
    await page.fill('#api-key', 'ib_not_a_key');
    await page.press('#api-key', 'Tab');
    await expect.poll(() => page.textContent('#account')).toMatch(/^unauthorized: /);
    expect(await page.getAttribute('#account', 'class')).toContain('error');
    await enterKey(page);
    await expect.poll(() => page.textContent('#account')).toMatch(/^Balance \$/);
    await page.setInputFiles('#start-file', frames.wide);
    await expect.poll(() => page.textContent('#start-error')).toContain('002014007');
    expect(await page.textContent('#start-error')).toContain('5.00 (100x20)');
    expect(await page.getAttribute('#start-file', 'aria-invalid')).toBe('true');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#form-error')).toContain('Not sent: 002014007');
    await screenshot(page, 'validation-error');

    // A 1:1 end frame against a 16:9 start frame: the pair rule, shown on the end frame.
    await page.setInputFiles('#start-file', frames.start);
    await page.setInputFiles('#end-file', frames.square);
    await expect.poll(() => page.textContent('#end-error')).toContain('002014008');
    expect(await page.isHidden('#start-error')).toBe(true);
    await page.click('#generate');
    await expect.poll(() => page.textContent('#form-error')).toContain('Not sent: 002014008');

    // Nothing was created and no frame left the page (quotes carry a placeholder image, not the frames).
    expect(requests.filter((request) => request.path === '/model/v1/generation')).toEqual([]);
    expect(
      requests.some((request) => request.body.includes('image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAGQ')),
    ).toBe(false);

    // What only the server can judge comes back with its code and message.
    await page.setInputFiles('#end-file', []);
    await page.click('summary');
    await page.fill('#callback-url', 'ftp://example.com/hook');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#form-error')).toMatch(/^002014010: .*callback_url/);
    expect(errors.filter((error) => !/\b40[01]\b/.test(error))).toEqual([]);
  });

  it('creates, tops up, shows the usage of and revokes a key on /keys', async () => {
    const { page, errors } = await openPage('/keys');
    await page.fill('#admin-token', ADMIN);
    await page.click('#admin-load');
    await expect.poll(() => page.locator('#keys-body tr').count()).toBeGreaterThan(0);

    await page.fill('#key-name', 'from the browser');
    await page.fill('#key-balance', '1.50');
    await page.click('#create-key');
    await page.waitForSelector('#created:not([hidden])');
    const secret = (await page.textContent('#new-key')) ?? '';
    expect(secret).toMatch(/^ib_/);
    const webhookSecret = (await page.textContent('#new-webhook')) ?? '';
    expect(webhookSecret).toMatch(/^whsec_/);
    await screenshot(page, 'keys-created');

    const row = page.locator('#keys-body tr', { hasText: 'from the browser' });
    await expect.poll(() => row.textContent()).toContain('$1.5000');
    const tasks = await fetch(`${baseUrl}/model/v1/generation/tasks`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(tasks.status).toBe(200);

    // A new webhook secret, shown once with the time the old one stops signing.
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /^Rotate the webhook secret of key from the browser/ }).click();
    await page.waitForSelector('#rotated:not([hidden])');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('rotated');
    expect(await page.textContent('#rotated-name')).toBe('from the browser');
    const rotatedSecret = (await page.textContent('#rotated-webhook')) ?? '';
    expect(rotatedSecret).toMatch(/^whsec_/);
    expect(rotatedSecret).not.toBe(webhookSecret);
    expect(await page.textContent('#rotated-until')).toMatch(/old secret keeps signing .* until \S/);
    await screenshot(page, 'keys-rotated');
    await page.click('#rotated-done');
    expect(await page.isHidden('#rotated')).toBe(true);
    expect(await page.textContent('#rotated-webhook')).toBe('');

    await row.getByLabel('Top up from the browser by (USD)').fill('2');
    await row.getByRole('button', { name: 'Top up' }).click();
    await expect.poll(() => row.textContent()).toContain('$3.5000');

    // Usage: the account and the ledger, newest first, 20 entries a page. 19 more top-ups make 21 entries.
    const keyId = (await row.getAttribute('data-key-id')) ?? '';
    for (let i = 0; i < 19; i++) {
      const topUp = await fetch(`${baseUrl}/admin/v1/keys/${keyId}/top-up`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: '0.10' }),
      });
      expect(topUp.status).toBe(200);
    }
    const usageButton = row.getByRole('button', { name: /^Usage of key from the browser/ });
    await usageButton.click();
    await page.waitForSelector('#usage:not([hidden]) #usage-table:not([hidden])');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('usage');
    expect(await page.textContent('#usage-name')).toBe('from the browser');
    expect(await page.textContent('#usage-table caption')).toContain('Ledger');
    const facts = (await page.textContent('#usage-facts')) ?? '';
    expect(facts).toContain('Balance$5.4000');
    expect(facts).toContain('Topped up$5.4000');
    const entries = page.locator('#usage-body tr');
    expect(await entries.count()).toBe(20);
    expect(await entries.first().textContent()).toContain('Top-up+$0.1000');
    expect(await page.isVisible('#usage-more')).toBe(true);
    await page.click('#usage-more');
    await expect.poll(() => entries.count()).toBe(21);
    expect(await page.isHidden('#usage-more')).toBe(true);
    const kinds = await entries.evaluateAll((rows) => rows.map((tr) => (tr as HTMLElement).dataset.kind));
    expect(new Set(kinds)).toEqual(new Set(['top_up']));
    expect(await entries.last().textContent()).toContain('Top-up+$1.5000');
    await screenshot(page, 'keys-usage');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#usage')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^Usage of key from the browser/,
    );
    await usageButton.click();
    await page.waitForSelector('#usage:not([hidden])');
    await page.click('#usage-close');
    expect(await page.isHidden('#usage')).toBe(true);

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /^Revoke key from the browser/ }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    await screenshot(page, 'keys-revoked');
    const refused = await fetch(`${baseUrl}/model/v1/generation/tasks`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(refused.status).toBe(401);

    await page.click('#created-done');
    expect(await page.textContent('#new-key')).toBe('');
    expect(errors).toEqual([]);
  });

  it('reaches the main controls by keyboard alone, with the focus visible', async () => {
    const { page } = await openPage('/');
    const order: string[] = [];
    for (let i = 0; i < 40 && !order.includes('generate'); i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        return { id: element.id, outline: getComputedStyle(element).outlineStyle };
      });
      if (focused.id) order.push(focused.id);
      if (focused.id) expect(focused.outline, focused.id).not.toBe('none');
    }
    const main = [
      'api-key',
      'start-file',
      'end-file',
      'prompt',
      'duration',
      'resolution',
      'movement',
      'seed',
    ];
    for (const id of [...main, 'is-rec', 'watermark', 'generate']) expect(order).toContain(id);
    expect(main.map((id) => order.indexOf(id))).toEqual(
      [...main.map((id) => order.indexOf(id))].sort((a, b) => a - b),
    );

    // Enter on Generate without a key, then without a frame: each says what is missing and moves the focus there.
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#form-error')).toContain('Enter an API key first');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
    await page.keyboard.type(apiKey);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#start-error')).toContain('002014001');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('start-file');
  });

  it('fits a phone-sized screen', async () => {
    const { page } = await openPage('/', { width: 375, height: 812 });
    await enterKey(page);
    await page.setInputFiles('#start-file', frames.wide);
    await expect.poll(() => page.textContent('#start-error')).toContain('002014007');
    await expect.poll(() => page.textContent('#quote')).toMatch(/^\$\d/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, 'playground-phone');

    await page.goto(`${baseUrl}/keys`);
    await page.fill('#admin-token', ADMIN);
    await page.click('#admin-load');
    await expect.poll(() => page.locator('#keys-body tr').count()).toBeGreaterThan(0);
    await page.locator('#keys-body button.usage').first().click();
    await page.waitForSelector('#usage-table:not([hidden])');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await screenshot(page, 'keys-phone');
  });
});
