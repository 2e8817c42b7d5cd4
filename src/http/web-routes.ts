import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Options for {@link registerWebRoutes}. */
export interface WebRoutesOptions {
  /** The built pages (`npm run build` writes them to dist/web); default {@link defaultWebRoot}. */
  readonly root?: string;
}

/** One file of the built pages, held in memory: they are few and small. */
interface WebAsset {
  readonly body: Buffer;
  /** Present when compressing saved something. */
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The pages' addresses and the built files they serve. */
const PAGES: Readonly<Record<string, string>> = { '/': 'index.html', '/keys': 'keys.html' };

/**
 * Nothing from another origin, no inline script or style, no framing: the pages talk to this service only.
 * Images and video may come from `blob:` and `data:` (frame previews; the favicon is an empty data URI).
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Where the built pages are: `dist/web` beside this module once built (`dist/http/web-routes.js`), so an
 * installed package finds them whatever the working directory; from the sources (tests, tsx), the repository's
 * `dist/web`.
 */
export function defaultWebRoot(): string {
  const besideModule = fileURLToPath(new URL('../web/', import.meta.url));
  if (existsSync(join(besideModule, 'index.html'))) return besideModule;
  return fileURLToPath(new URL('../../dist/web/', import.meta.url));
}

/**
 * The playground at `/`, key management at `/keys` and their scripts and styles under `/web/`. Files are read
 * once, on the first request, with a gzip copy and an ETag each; responses carry a strict Content-Security-Policy
 * and `no-cache`, so a browser revalidates (a 304 when nothing changed) and never runs a stale script after an
 * upgrade. A page that was not built answers 404 with what to run.
 */
export function registerWebRoutes(app: FastifyInstance, options: WebRoutesOptions = {}): void {
  const root = options.root ?? defaultWebRoot();
  let assets: Promise<Map<string, WebAsset>> | undefined;
  const load = (): Promise<Map<string, WebAsset>> => {
    // A failed load (nothing built yet) is not kept: a build while the server runs is picked up.
    assets ??= loadAssets(root).catch((error: unknown) => {
      assets = undefined;
      throw error;
    });
    return assets;
  };
  const serve = async (request: FastifyRequest, reply: FastifyReply, path: string) => {
    let found: WebAsset | undefined;
    try {
      found = (await load()).get(path);
    } catch {
      return notBuilt(reply, root);
    }
    if (!found) return reply.status(404).type('text/plain; charset=utf-8').send('Not found\n');
    return sendAsset(request, reply, found);
  };
  for (const [url, file] of Object.entries(PAGES)) {
    app.get(url, (request, reply) => serve(request, reply, file));
  }
  app.get<{ Params: { '*': string } }>('/web/*', (request, reply) =>
    serve(request, reply, request.params['*']),
  );
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: WebAsset): FastifyReply {
  void reply
    .header('content-type', asset.type)
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .header('content-security-policy', WEB_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cross-origin-opener-policy', 'same-origin');
  if (matchesEtag(request.headers['if-none-match'], asset.etag)) return reply.status(304).send();
  const gzip = asset.gzip !== undefined && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
  if (gzip) void reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? asset.gzip : asset.body);
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

function notBuilt(reply: FastifyReply, root: string): FastifyReply {
  return reply
    .status(404)
    .type('text/plain; charset=utf-8')
    .send(
      `The web pages are not built (nothing in ${root}): run npm run build, or npm start, which builds.\n`,
    );
}

/** Every servable file under `root`, keyed by its path with forward slashes (`js/playground.js`). */
async function loadAssets(root: string): Promise<Map<string, WebAsset>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const assets = new Map<string, WebAsset>();
  for (const entry of entries) {
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const path = join(entry.parentPath, entry.name);
    const body = await readFile(path);
    const compressed =
      type.startsWith('image/') && type !== 'image/svg+xml' ? undefined : gzipSync(body, { level: 9 });
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
    assets.set(relative(root, path).split(sep).join('/'), {
      body,
      gzip: compressed !== undefined && compressed.length < body.length ? compressed : undefined,
      type,
      etag: `"${hash}"`,
    });
  }
  if (!assets.has(PAGES['/'])) throw new Error(`no ${PAGES['/']} in ${root}`);
  return assets;
}
