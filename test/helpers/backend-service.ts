import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { BackendSettings } from '../../src/backends/index.js';
import type { TaskObject } from '../../src/contract/index.js';
import { resolveFfmpeg } from '../../src/engine/encode/resolve-ffmpeg.js';
import { createApiKey } from '../../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../../src/store/index.js';
import { drawRgb, textureAt } from './synthetic.js';

export const ADMIN = 'backends-admin-token';
const FILE_SECRET = 'backends-file-secret';

/** A real MP4 (1 s, 64x36, H.264) and a JPEG cover, made once: what the fake providers serve as outputs. */
export async function makeOutputs(): Promise<{ video: Buffer; cover: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-fake-out-'));
  try {
    const path = join(dir, 'out.mp4');
    await promisify(execFile)(resolveFfmpeg(), [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x36:rate=24',
      '-t',
      '1',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      path,
    ]);
    const cover = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    return { video: await readFile(path), cover };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A keyframe as a data URI, shifted so two of them make a pair with motion. */
export async function keyframe(shift = 0): Promise<{ uri: string; bytes: Buffer }> {
  const texture = textureAt(21);
  const image = drawRgb(64, 36, (x, y, c) => texture(x - shift, y, c));
  const bytes = await sharp(image.data, { raw: { width: 64, height: 36, channels: 3 } })
    .png()
    .toBuffer();
  return { uri: `data:image/png;base64,${bytes.toString('base64')}`, bytes };
}

/** The embedded service with backend settings, through its real HTTP app (inject). */
export interface BackendService {
  readonly server: EmbeddedServer;
  /** Where the service listens (with `listen`), else the URL its file links carry. */
  readonly url: string;
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** An API key with a $10 balance. */
  readonly key: string;
  readonly keyId: string;
  create(body: Record<string, unknown>): Promise<TaskObject>;
  get(id: string): Promise<TaskObject>;
  cancel(id: string): Promise<TaskObject>;
  /** Polls until `until` holds (default: a final state). */
  waitFor(id: string, until?: (task: TaskObject) => boolean, timeoutMs?: number): Promise<TaskObject>;
  admin<T>(path: string): Promise<T>;
  /** The bytes a task's output URL serves, through the real /files route. */
  download(url: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Starts the service with `backends` (and a store to share, for restarts); routes in `backends.routes`. */
export async function startBackendService(
  backends: BackendSettings,
  options: {
    store?: TaskStore;
    dir?: string;
    stopGraceMs?: number;
    concurrency?: number;
    key?: { secret: string; id: string };
    /** Listen on a real port (for another service to call), instead of answering through inject only. */
    listen?: boolean;
  } = {},
): Promise<BackendService> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'inbetween-backends-')));
  const store = options.store ?? (await openSqliteStore({ path: join(dir, 'db.sqlite') }));
  const storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  let publicUrl = 'http://127.0.0.1:8080';
  const server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: () => publicUrl,
    adminToken: ADMIN,
    fileSecret: FILE_SECRET,
    renderThreads: 2,
    worker: {
      pollMs: 30,
      leaseMs: 10_000,
      ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    },
    backends: {
      pollIntervalMs: 20,
      requestTimeoutMs: 2000,
      failureHoldMs: 0,
      // The fake providers serve their outputs from 127.0.0.1, which output downloads refuse unless allowed.
      allowPrivateHosts: ['127.0.0.1'],
      ...backends,
    },
  });
  const { app } = server;
  if (options.listen) {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    publicUrl = address;
  }
  server.start();
  const made = options.key ? null : await createApiKey(store, 'backends', 10_000_000);
  const key = options.key?.secret ?? made!.secret;
  const keyId = options.key?.id ?? made!.record.id;
  const auth = { authorization: `Bearer ${key}` };
  const service: BackendService = {
    server,
    url: publicUrl,
    store,
    storage,
    key,
    keyId,
    async create(body) {
      const response = await app.inject({
        method: 'POST',
        url: '/model/v1/generation',
        headers: auth,
        payload: body,
      });
      if (response.statusCode !== 200)
        throw new Error(`create answered ${response.statusCode}: ${response.body}`);
      return response.json<TaskObject>();
    },
    async get(id) {
      return (await app.inject({ url: `/model/v1/generation/task/${id}`, headers: auth })).json<TaskObject>();
    },
    async cancel(id) {
      const response = await app.inject({
        method: 'POST',
        url: `/model/v1/generation/task/${id}/cancel`,
        headers: auth,
      });
      return response.json<TaskObject>();
    },
    async waitFor(id, until = (t) => !['pending', 'processing'].includes(t.status), timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const task = await service.get(id);
        if (until(task)) return task;
        if (Date.now() > deadline)
          throw new Error(`task ${id} still ${task.status} (${JSON.stringify(task.error)})`);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    },
    async admin<T>(path: string) {
      return (await app.inject({ url: path, headers: { authorization: `Bearer ${ADMIN}` } })).json<T>();
    },
    async download(url) {
      const response = await app.inject({ url: url.replace(publicUrl, '') });
      if (response.statusCode !== 200) throw new Error(`download answered ${response.statusCode}`);
      return response.rawPayload;
    },
    async close() {
      await server.close();
      await storage.close();
      if (!options.store) await store.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  return service;
}
