import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { assembleBackends, type BackendSettings } from '../backends/index.js';
import { WorkerPool } from '../engine/render/worker-pool.js';
import type { OffPeakWindow } from '../tasks/off-peak-window.js';
import { LocalWorker } from '../worker/local-worker.js';
import { QueueConsumer } from '../worker/queue-consumer.js';
import { RenderMetrics } from '../worker/render-metrics.js';
import { scheduleUpstreamSweep } from '../worker/upstream-sweep.js';
import type { Deployment } from './open-deployment.js';

/** Options of {@link startWorkerProcess}. */
export interface WorkerProcessOptions {
  readonly deployment: Deployment;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly renderThreads?: number;
  readonly ffmpegPath?: string;
  readonly offPeakWindow: OffPeakWindow | null;
  /** Routes and providers, the same as the API processes' (INBETWEEN_ROUTES, VIDU_*, GATEWAY_*). */
  readonly backends: BackendSettings;
  readonly maxImagePixels?: number;
  /** How long a stopping worker lets renders finish before handing their tasks back. */
  readonly stopGraceMs?: number;
  /** How long a task may wait for a free backend. */
  readonly backendWaitMs?: number;
  /** Where /healthz, /readyz and /metrics listen; never the public API. */
  readonly health: { host: string; port: number };
  readonly onError?: (error: unknown) => void;
}

/** A running `inbetween worker`. */
export interface WorkerProcess {
  /** The health port actually bound (port 0 picks one). */
  readonly healthPort: number;
  readonly owner: string;
  close(): Promise<void>;
}

/**
 * `inbetween worker`: renders and nothing else. On PostgreSQL its slots are fed by pg-boss and cancels reach it
 * through LISTEN/NOTIFY; on the SQLite default it claims from the shared data folder's table (WAL lets several
 * processes on one machine share it) and hears of a cancel at its next heartbeat.
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const { deployment } = options;
  const pool = new WorkerPool(options.renderThreads);
  const metrics = new RenderMetrics();
  const router = assembleBackends({
    settings: options.backends,
    store: deployment.store,
    storage: deployment.storage,
    pool,
    localConcurrency: options.concurrency,
    ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
    ...(options.maxImagePixels ? { maxImagePixels: options.maxImagePixels } : {}),
    onSlotFree: () => worker.wake(),
  });
  const worker: LocalWorker = new LocalWorker({
    store: deployment.store,
    storage: deployment.storage,
    router,
    metrics,
    ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
    ...(options.backendWaitMs !== undefined ? { backendWaitMs: options.backendWaitMs } : {}),
    concurrency: options.concurrency,
    leaseMs: options.leaseMs,
    maxAttempts: options.maxAttempts,
    offPeakWindow: options.offPeakWindow,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const consumer = deployment.queue
    ? new QueueConsumer({
        store: deployment.store,
        queue: deployment.queue,
        worker,
        signals: deployment.signals,
        concurrency: options.concurrency,
        leaseMs: options.leaseMs,
        maxAttempts: options.maxAttempts,
        offPeakWindow: options.offPeakWindow,
        ...(options.onError ? { onError: options.onError } : {}),
      })
    : null;
  const server = healthServer(deployment, metrics, () => consumer?.running ?? null);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.health.port, options.health.host, () => resolve());
  });
  if (consumer) consumer.start();
  else worker.start();
  const sweep = router.hasUpstream()
    ? scheduleUpstreamSweep({
        router,
        intervalMs: options.backends.sweepIntervalMs ?? 60_000,
        ...(options.onError ? { onError: options.onError } : {}),
      })
    : null;
  return {
    healthPort: (server.address() as AddressInfo).port,
    owner: worker.owner,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sweep?.stop();
      await (consumer ?? worker).stop();
      await pool.close();
    },
  };
}

/** A plain HTTP server with three routes; a worker has no use for the API's framework, auth or parsers. */
function healthServer(deployment: Deployment, metrics: RenderMetrics, running: () => number | null): Server {
  return createServer((request, response) => {
    const answer = (status: number, type: string, body: string): void => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return answer(405, 'application/json', '{"status":"method not allowed"}');
    if (path === '/healthz') return answer(200, 'application/json', '{"status":"ok"}');
    if (path === '/readyz') {
      deployment.store
        .queueDepth()
        .then(() => answer(200, 'application/json', '{"status":"ready"}'))
        .catch(() => answer(503, 'application/json', '{"status":"unavailable"}'));
      return;
    }
    if (path === '/metrics') {
      const active = running();
      const lines = [
        ...(active === null
          ? []
          : [
              '# HELP inbetween_worker_active_renders Tasks this worker is rendering.',
              '# TYPE inbetween_worker_active_renders gauge',
              `inbetween_worker_active_renders ${active}`,
            ]),
        ...metrics.lines(),
      ];
      return answer(200, 'text/plain; version=0.0.4', lines.join('\n') + '\n');
    }
    answer(404, 'application/json', '{"status":"not found"}');
  });
}
