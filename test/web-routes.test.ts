import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWebRoot, registerWebRoutes, WEB_CONTENT_SECURITY_POLICY } from '../src/http/web-routes.js';

let dir: string;
let app: FastifyInstance;
const SCRIPT = `export const greeting = ${JSON.stringify('hello '.repeat(200))};\n`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-web-'));
  await mkdir(join(dir, 'js'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>playground</title>');
  await writeFile(join(dir, 'keys.html'), '<!doctype html><title>keys</title>');
  await writeFile(join(dir, 'js', 'page.js'), SCRIPT);
  await writeFile(join(dir, 'notes.md'), 'not a served type');
  app = Fastify();
  registerWebRoutes(app, { root: dir });
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('web routes', () => {
  it('serves the pages with their type, a strict CSP and revalidation', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>playground</title>');
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': WEB_CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    expect(page.headers.etag).toMatch(/^"[\w-]+"$/);
    // No other origin anywhere in the policy: only 'self', blob: and data:.
    expect(WEB_CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*/);
    expect(WEB_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");

    const keys = await app.inject({ url: '/keys' });
    expect(keys.statusCode).toBe(200);
    expect(keys.body).toContain('<title>keys</title>');
  });

  it('answers 304 to a matching If-None-Match and gzip to a client that takes it', async () => {
    const first = await app.inject({ url: '/web/js/page.js' });
    expect(first.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(first.body).toBe(SCRIPT);
    const etag = String(first.headers.etag);
    const again = await app.inject({ url: '/web/js/page.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const gzipped = await app.inject({ url: '/web/js/page.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('accept-encoding');
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(SCRIPT);
    expect(gzipped.rawPayload.length).toBeLessThan(gzipSync(SCRIPT).length + 64);

    const head = await app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves only the built files of known types, whatever the path says', async () => {
    for (const url of [
      '/web/notes.md',
      '/web/nope.js',
      '/web/../package.json',
      '/web/%2e%2e/%2e%2e/package.json',
      '/web/js/../../../package.json',
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toContain('"name"');
    }
  });

  it('says what to run when the pages are not built, and serves them once they are', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'inbetween-web-empty-'));
    const bare = Fastify();
    registerWebRoutes(bare, { root: empty });
    try {
      const missing = await bare.inject({ url: '/' });
      expect(missing.statusCode).toBe(404);
      expect(missing.body).toMatch(/npm run build/);
      await writeFile(join(empty, 'index.html'), '<!doctype html><title>late</title>');
      const built = await bare.inject({ url: '/' });
      expect(built.statusCode).toBe(200);
      expect(built.body).toContain('late');
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the built pages', () => {
  // Built by test/browser/build-web-once.ts (vitest's global setup) when older than web/.
  const root = defaultWebRoot();

  it('load nothing from another origin', async () => {
    const files = (await readdir(root, { recursive: true })).filter((name) => /\.(html|css|js)$/.test(name));
    expect(files).toEqual(
      expect.arrayContaining(['index.html', 'keys.html', 'style.css', 'js/playground.js']),
    );
    for (const name of files) {
      const text = await readFile(join(root, name), 'utf8');
      // src=, href=, url(...) and import specifiers must all be paths on this server.
      expect(text, name).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
      expect(text, name).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
      expect(text, name).not.toMatch(/(from|import)\s*\(?\s*["'](https?:)?\/\//);
      expect(text, name).not.toMatch(/@import/);
    }
  });

  it('stay small: under 32 KB gzip in all', async () => {
    const files = await readdir(root, { recursive: true, withFileTypes: true });
    let gzip = 0;
    for (const entry of files) {
      if (entry.isFile())
        gzip += gzipSync(await readFile(join(entry.parentPath, entry.name)), { level: 9 }).length;
    }
    expect(gzip).toBeLessThan(32 * 1024);
  });
});
