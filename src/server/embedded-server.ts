import type { FastifyInstance } from 'fastify';
import { assembleBackends, type BackendRouter, type BackendSettings } from '../backends/index.js';
import { WorkerPool } from '../engine/render/worker-pool.js';
import { buildApp, type AppOptions } from '../http/app.js';
import { DEFAULT_CREDITS_PER_USD, viduCallbackBody } from '../http/vidu/vidu-routes.js';
import { signFileUrl, type BlobStorage } from '../storage/index.js';
import type { TaskStore } from '../store/index.js';
import { TaskService, type TaskServiceOptions } from '../tasks/task-service.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../tasks/webhooks/webhook-dispatcher.js';
import type { PgBossQueue } from '../queue/pg-boss-queue.js';
import type { TaskSignals } from '../queue/task-signals.js';
import { LocalWorker, type LocalWorkerOptions } from '../worker/local-worker.js';
import { QueueConsumer } from '../worker/queue-consumer.js';
import { RenderMetrics } from '../worker/render-metrics.js';
import { scheduleUpstreamSweep } from '../worker/upstream-sweep.js';
import type { S3BlobStorage } from '../storage/index.js';

export interface EmbeddedServerOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** Tells other processes of task changes and hears theirs; in-process when absent. */
  readonly signals?: TaskSignals;
  /** pg-boss dispatch (scale-out): this process's renders come from the queue instead of the table. */
  readonly queue?: PgBossQueue | null;
  /** Output URLs presigned by the bucket instead of this service's signed /files URLs. */
  readonly presigner?: S3BlobStorage | null;
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
   * Worker settings beyond the wiring (lease, attempts, polling, error reporting); `concurrency` is the number of
   * local renders at once (0: this process runs no tasks), upstream tasks have their providers' limits.
   */
  readonly worker?: Omit<LocalWorkerOptions, 'store' | 'storage' | 'router' | 'metrics'> & {
    readonly ffmpegPath?: string;
  };
  /** Routes and providers; none = every model renders locally. */
  readonly backends?: BackendSettings;
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
  readonly router: BackendRouter;
  /** The pg-boss consumer feeding `worker`, when there is a queue. */
  readonly consumer: QueueConsumer | null;
  readonly webhooks: WebhookDispatcher;
  readonly renderMetrics: RenderMetrics;
  /**
   * Starts the in-process worker and callback dispatcher (the app is started with `app.listen` or used through
   * `app.inject`).
   */
  start(): void;
  /**
   * Stops serving, then rendering: running tasks get the worker's grace period, then go back to the queue
   * without counting an attempt.
   */
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
  const { ffmpegPath, concurrency, ...workerOptions } = options.worker ?? {};
  const router = assembleBackends({
    settings: options.backends ?? {},
    store,
    storage,
    pool,
    localConcurrency: concurrency ?? 1,
    ...(ffmpegPath ? { ffmpegPath } : {}),
    ...(options.service?.maxImagePixels ? { maxImagePixels: options.service.maxImagePixels } : {}),
    onSlotFree: () => worker.wake(),
  });
  // One structured log for the whole process: the worker and the dispatcher report through the HTTP app's
  // logger (pino), so an operator reads one stream of JSON lines rather than JSON mixed with plain text.
  const worker: LocalWorker = new LocalWorker({
    ...workerOptions,
    onError:
      workerOptions.onError ??
      ((error, task) => app.log.error({ err: error, ...(task ? { taskId: task.id } : {}) }, 'worker error')),
    ...(concurrency === 0 ? { concurrency: 0 } : {}),
    store,
    storage,
    router,
    metrics: renderMetrics,
  });
  const ttl = options.fileUrlTtlMs ?? 24 * 3600 * 1000;
  const { publicUrl } = options;
  const baseUrl = typeof publicUrl === 'string' ? () => publicUrl : publicUrl;
  const service = new TaskService({
    callbackKeySecret: options.fileSecret,
    ...options.service,
    store,
    storage,
    fileUrl: (key) =>
      options.presigner
        ? options.presigner.presignedUrl(key, new Date(Date.now() + ttl))
        : signFileUrl({
            baseUrl: baseUrl(),
            key,
            expiresAt: new Date(Date.now() + ttl),
            secret: options.fileSecret,
          }),
    ...(options.signals ? { signals: options.signals } : {}),
    onQueued: () => {
      worker.wake();
      webhooks.wake();
    },
    onCancelled: (id) => worker.cancel(id),
  });
  const viduBody = viduCallbackBody(service, options.http?.vidu?.creditsPerUsd ?? DEFAULT_CREDITS_PER_USD);
  const webhooks = new WebhookDispatcher({
    timeoutMs: options.service?.fetchTimeoutMs ?? 10_000,
    // The sealed Vidu signing keys are sealed with the secret every API process of a deployment shares.
    callbackKeySecret: options.fileSecret,
    ...options.webhooks,
    onError:
      options.webhooks?.onError ?? ((error) => app.log.error({ err: error }, 'callback dispatch error')),
    store,
    // Each dialect's callback body is its own poll answer.
    renderTask: (task) => (task.request.vidu ? viduBody(task) : service.toObject(task)),
    ...(options.service?.allowPrivateHosts ? { allowPrivateHosts: options.service.allowPrivateHosts } : {}),
  });
  const consumer =
    options.queue && options.signals
      ? new QueueConsumer({
          store,
          queue: options.queue,
          worker,
          signals: options.signals,
          concurrency: options.worker?.concurrency ?? 1,
          leaseMs: options.worker?.leaseMs ?? 30_000,
          maxAttempts: options.worker?.maxAttempts ?? 3,
          offPeakWindow: options.worker?.offPeakWindow ?? null,
          ...(options.worker?.onError ? { onError: options.worker.onError } : {}),
        })
      : null;
  const app = buildApp({
    ...options.http,
    service,
    store,
    storage,
    adminToken: options.adminToken,
    fileSecret: options.fileSecret,
    renderMetrics,
  });
  let sweep: { stop(): Promise<void> } | null = null;
  return {
    app,
    service,
    worker,
    router,
    consumer,
    webhooks,
    renderMetrics,
    start: () => {
      if (consumer) consumer.start();
      else worker.start();
      webhooks.start();
      // Every process with providers sweeps, whether it renders or not: the claim keeps it to one cancel each.
      if (router.hasUpstream()) {
        sweep = scheduleUpstreamSweep({
          router,
          intervalMs: options.backends?.sweepIntervalMs ?? 60_000,
          onError: (error) => app.log.error({ err: error }, 'upstream sweep error'),
          onSwept: (result) => app.log.info({ swept: result }, 'abandoned upstream attempts settled'),
        });
      }
    },
    close: async () => {
      await app.close();
      await sweep?.stop();
      await (consumer ?? worker).stop();
      await webhooks.stop();
      await pool.close();
    },
  };
}
