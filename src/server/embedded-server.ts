import type { FastifyInstance } from 'fastify';
import { WorkerPool } from '../engine/render/worker-pool.js';
import { buildApp, type AppOptions } from '../http/app.js';
import { signFileUrl, type BlobStorage } from '../storage/index.js';
import type { TaskStore } from '../store/index.js';
import { TaskService, type TaskServiceOptions } from '../tasks/task-service.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../tasks/webhooks/webhook-dispatcher.js';
import { LocalWorker, type LocalWorkerOptions } from '../worker/local-worker.js';
import { RenderMetrics } from '../worker/render-metrics.js';

export interface EmbeddedServerOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /**
   * Base URL that signed file links point at; a function when it is only known once the app listens (port 0).
   */
  readonly publicUrl: string | (() => string);
  readonly adminToken: string;
  readonly fileSecret: string;
  /** How long a signed file link works; default 24 h. */
  readonly fileUrlTtlMs?: number;
  /** Render threads; default one per core. */
  readonly renderThreads?: number;
  /**
   * Worker settings beyond the wiring (concurrency, lease, attempts, ffmpeg, polling); errors go to the app's
   * logger unless `onError` says otherwise.
   */
  readonly worker?: Omit<LocalWorkerOptions, 'store' | 'storage' | 'pool' | 'metrics'>;
  /** Task service settings beyond the wiring (fetch limits, task and queue limits). */
  readonly service?: Omit<TaskServiceOptions, 'store' | 'storage' | 'fileUrl' | 'onQueued' | 'onCancelled'>;
  /**
   * Callback delivery settings beyond the wiring (retry schedule, polling, time limit); errors go to the app's
   * logger unless `onError` says otherwise.
   */
  readonly webhooks?: Partial<Omit<WebhookDispatcherOptions, 'store' | 'renderTask' | 'allowPrivateHosts'>>;
  /** HTTP settings beyond the wiring (body limit, sync timeout, rate limit, logger). */
  readonly http?: Omit<
    AppOptions,
    'service' | 'store' | 'storage' | 'adminToken' | 'fileSecret' | 'renderMetrics'
  >;
}

/** The service in one process, wired but not yet listening or rendering. */
export interface EmbeddedServer {
  readonly app: FastifyInstance;
  readonly service: TaskService;
  readonly worker: LocalWorker;
  readonly webhooks: WebhookDispatcher;
  readonly renderMetrics: RenderMetrics;
  /**
   * Starts the in-process worker and callback dispatcher (the app is started with `app.listen` or used through
   * `app.inject`).
   */
  start(): void;
  /** Stops serving, then rendering (renders in flight are aborted; their leases expire and they are retried). */
  close(): Promise<void>;
}

/**
 * Wires the embedded mode once, for `inbetween serve` and for the tests that run the same service: one worker
 * pool, a worker that is woken when a task is queued and told when one is cancelled, signed file links, and
 * the HTTP app with the worker's render metrics. The store and storage stay the caller's to open and close.
 */
export function assembleEmbeddedServer(options: EmbeddedServerOptions): EmbeddedServer {
  const { store, storage } = options;
  const pool = new WorkerPool(options.renderThreads);
  const renderMetrics = new RenderMetrics();
  // One structured log for the whole process: the worker and the dispatcher report through the HTTP app's
  // logger (pino), so an operator reads one stream of JSON lines rather than JSON mixed with plain text.
  const worker = new LocalWorker({
    ...options.worker,
    onError:
      options.worker?.onError ??
      ((error, task) => app.log.error({ err: error, ...(task ? { taskId: task.id } : {}) }, 'worker error')),
    store,
    storage,
    pool,
    metrics: renderMetrics,
  });
  const ttl = options.fileUrlTtlMs ?? 24 * 3600 * 1000;
  const { publicUrl } = options;
  const baseUrl = typeof publicUrl === 'string' ? () => publicUrl : publicUrl;
  const service = new TaskService({
    ...options.service,
    store,
    storage,
    fileUrl: (key) =>
      signFileUrl({
        baseUrl: baseUrl(),
        key,
        expiresAt: new Date(Date.now() + ttl),
        secret: options.fileSecret,
      }),
    onQueued: () => {
      worker.wake();
      webhooks.wake();
    },
    onCancelled: (id) => worker.cancel(id),
  });
  const webhooks = new WebhookDispatcher({
    timeoutMs: options.service?.fetchTimeoutMs ?? 10_000,
    ...options.webhooks,
    onError:
      options.webhooks?.onError ?? ((error) => app.log.error({ err: error }, 'callback dispatch error')),
    store,
    renderTask: (task) => service.toObject(task),
    ...(options.service?.allowPrivateHosts ? { allowPrivateHosts: options.service.allowPrivateHosts } : {}),
  });
  const app = buildApp({
    ...options.http,
    service,
    store,
    storage,
    adminToken: options.adminToken,
    fileSecret: options.fileSecret,
    renderMetrics,
  });
  return {
    app,
    service,
    worker,
    webhooks,
    renderMetrics,
    start: () => {
      worker.start();
      webhooks.start();
    },
    close: async () => {
      await app.close();
      await worker.stop();
      await webhooks.stop();
      await pool.close();
    },
  };
}
