import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { TaskObject } from '../../src/contract/index.js';
import { createApiKey } from '../../src/accounts/account-service.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../../src/server/embedded-server.js';
import { openLocalFolderStorage, type BlobStorage } from '../../src/storage/index.js';
import { openSqliteStore, type TaskStore } from '../../src/store/index.js';

export const ADMIN = 'test-admin-token';
export const FILE_SECRET = 'test-file-secret';
/** The public URL the service's file links carry; the tests fetch them through inject, by path. */
export const BASE = 'http://127.0.0.1:8080';

export function auth(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

/** The embedded service (in-memory SQLite, a local folder, its own worker), answered through inject. */
export interface ServiceFixture {
  /** A temporary folder, removed on close; the files live under it and tests may write there. */
  readonly dir: string;
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  readonly server: EmbeddedServer;
  readonly app: EmbeddedServer['app'];
  /** An API key without a balance limit. */
  readonly key: string;
  /** A second key, whose tasks the first key must not see. */
  readonly otherKey: string;
  /** POST /model/v1/generation with `body`, as `secret` (default `key`). */
  create(body: unknown, secret?: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Polls the task as `key` until `done` holds; past `timeoutMs` (default 45 s) throws with its status. */
  waitFor(id: string, done: (task: TaskObject) => boolean, timeoutMs?: number): Promise<TaskObject>;
  close(): Promise<void>;
}

/** Starts the service the service-*.test.ts files share the shape of: each file gets its own. */
async function startServiceFixture(): Promise<ServiceFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-service-'));
  const store = await openSqliteStore({ path: ':memory:' });
  const storage = await openLocalFolderStorage({ root: join(dir, 'files') });
  const server = assembleEmbeddedServer({
    store,
    storage,
    publicUrl: BASE,
    adminToken: ADMIN,
    fileSecret: FILE_SECRET,
    fileUrlTtlMs: 3_600_000,
    renderThreads: 2,
    worker: { pollMs: 50, leaseMs: 10_000 },
  });
  const { app } = server;
  server.start();
  const key = (await createApiKey(store, 'test')).secret;
  const otherKey = (await createApiKey(store, 'other')).secret;
  return {
    dir,
    store,
    storage,
    server,
    app,
    key,
    otherKey,
    create: (body, secret = key, headers = {}) =>
      app.inject({
        method: 'POST',
        url: '/model/v1/generation',
        headers: { ...auth(secret), ...headers },
        payload: body as object,
      }),
    async waitFor(id, done, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const task = (
          await app.inject({ url: `/model/v1/generation/task/${id}`, headers: auth(key) })
        ).json<TaskObject>();
        if (done(task)) return task;
        if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await server.close();
      await storage.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers the hooks that start a fixture before the file's tests and close it after them, and answers it: its
 * members may be read from the file's own later hooks and its tests, not before.
 */
export function useServiceFixture(): Omit<ServiceFixture, 'close'> {
  let started: ServiceFixture | undefined;
  beforeAll(async () => {
    started = await startServiceFixture();
  });
  afterAll(() => started?.close());
  const ready = (): ServiceFixture => {
    if (!started) throw new Error('the service fixture was used before its beforeAll finished');
    return started;
  };
  return {
    get dir() {
      return ready().dir;
    },
    get store() {
      return ready().store;
    },
    get storage() {
      return ready().storage;
    },
    get server() {
      return ready().server;
    },
    get app() {
      return ready().app;
    },
    get key() {
      return ready().key;
    },
    get otherKey() {
      return ready().otherKey;
    },
    create: (...args) => ready().create(...args),
    waitFor: (...args) => ready().waitFor(...args),
  };
}
