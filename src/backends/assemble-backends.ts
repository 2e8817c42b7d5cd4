import { MODEL_ID } from '../contract/index.js';
import type { WorkerPool } from '../engine/render/worker-pool.js';
import type { BlobStorage } from '../storage/index.js';
import type { TaskStore } from '../store/index.js';
import { BackendRouter, type RoutedBackend } from './backend-router.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { LocalBackend } from './local-backend.js';
import { parseRoutes, RouteError } from './routes.js';
import { SlotLimiter } from './slot-limiter.js';
import { GatewayProvider } from './upstream/gateway-provider.js';
import { UpstreamBackend } from './upstream/upstream-backend.js';
import type { UpstreamProvider } from './upstream/upstream-provider.js';
import { ViduProvider } from './upstream/vidu-provider.js';

/** One provider's settings; absent (or without a key) means not configured. */
export interface ProviderSettings {
  readonly apiKey: string;
  readonly baseUrl: string;
  /** Its tasks at once; more wait in the queue. */
  readonly concurrency: number;
}

/** The backend settings of a deployment (INBETWEEN_ROUTES, VIDU_*, GATEWAY_*, the upstream limits). */
export interface BackendSettings {
  /** INBETWEEN_ROUTES as written; empty = every model renders locally. */
  readonly routes?: string;
  readonly vidu?: ProviderSettings | null;
  readonly gateway?: ProviderSettings | null;
  readonly pollIntervalMs?: number;
  readonly requestTimeoutMs?: number;
  /** How long an upstream task may take from its submission. */
  readonly timeoutMs?: number;
  readonly maxOutputBytes?: number;
  readonly breakerThreshold?: number;
  readonly breakerCooldownMs?: number;
  /** Tries at copying an upstream output in; default 5. */
  readonly copyAttempts?: number;
  /** How long a provider that refused without a Retry-After is skipped; default 1 s. */
  readonly failureHoldMs?: number;
  /**
   * How often a process looks for upstream tasks whose inbetween task ended with no worker on it, to cancel
   * them (INBETWEEN_UPSTREAM_SWEEP_INTERVAL); default 60 s.
   */
  readonly sweepIntervalMs?: number;
  /**
   * Hosts, addresses or CIDRs that output downloads may reach although private (INBETWEEN_ALLOW_PRIVATE_HOSTS,
   * the setting image fetches and callbacks obey); none by default.
   */
  readonly allowPrivateHosts?: readonly string[];
}

/** What {@link assembleBackends} wires together. */
export interface AssembleBackendsOptions {
  readonly settings: BackendSettings;
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  readonly pool: WorkerPool;
  /** Local renders at once (INBETWEEN_WORKERS). */
  readonly localConcurrency: number;
  readonly ffmpegPath?: string;
  readonly maxImagePixels?: number;
  /** The model ids served; default the seed's. */
  readonly models?: readonly string[];
  /** Told when a backend frees a slot, so an idle worker claims again. */
  readonly onSlotFree?: () => void;
}

const ENV_KEYS: Readonly<Record<string, string>> = { vidu: 'VIDU_API_KEY', gateway: 'GATEWAY_API_KEY' };

/**
 * Builds the router of a deployment from its settings: the local engine, each configured provider behind its
 * breaker and concurrency limit, and the routes. Throws {@link RouteError} for a route that cannot be honoured
 * (an unknown model or backend, a provider without its key, a model a provider does not have).
 */
export function assembleBackends(options: AssembleBackendsOptions): BackendRouter {
  const { settings } = options;
  const models = options.models ?? [MODEL_ID];
  const notify = options.onSlotFree ?? (() => {});
  const backends = new Map<string, RoutedBackend>();
  backends.set('local', {
    backend: new LocalBackend({
      storage: options.storage,
      pool: options.pool,
      ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
      ...(options.maxImagePixels ? { maxImagePixels: options.maxImagePixels } : {}),
    }),
    slots: new SlotLimiter(options.localConcurrency, notify),
    breaker: null,
  });
  const requestTimeoutMs = settings.requestTimeoutMs ?? 30_000;
  const providers: [ProviderSettings | null | undefined, (s: ProviderSettings) => UpstreamProvider][] = [
    [settings.vidu, (s) => new ViduProvider({ ...s, requestTimeoutMs })],
    [settings.gateway, (s) => new GatewayProvider({ ...s, requestTimeoutMs })],
  ];
  for (const [provider, make] of providers) {
    if (!provider?.apiKey) continue;
    const upstream = make(provider);
    backends.set(upstream.name, {
      backend: new UpstreamBackend({
        provider: upstream,
        store: options.store,
        storage: options.storage,
        pollIntervalMs: settings.pollIntervalMs ?? 5000,
        timeoutMs: settings.timeoutMs ?? 2 * 3600_000,
        maxOutputBytes: settings.maxOutputBytes ?? 500 * 1024 * 1024,
        downloadTimeoutMs: Math.max(requestTimeoutMs, 120_000),
        ...(settings.copyAttempts ? { copyAttempts: settings.copyAttempts } : {}),
        ...(settings.allowPrivateHosts ? { allowPrivateHosts: settings.allowPrivateHosts } : {}),
      }),
      slots: new SlotLimiter(provider.concurrency, notify),
      breaker: new CircuitBreaker({
        threshold: settings.breakerThreshold ?? 5,
        cooldownMs: settings.breakerCooldownMs ?? 30_000,
      }),
    });
  }
  const routes = parseRoutes(settings.routes ?? '', {
    models,
    backends: ['local', 'vidu', 'gateway'],
    configured: [...backends.keys()],
    why: (name) => `${ENV_KEYS[name] ?? name} is not set`,
  });
  for (const [model, names] of routes) {
    for (const name of names) {
      const routed = backends.get(name)?.backend;
      if (routed instanceof UpstreamBackend && !routed.serves(model)) {
        throw new RouteError(`The route of ${model} names ${name}, which has no such model`);
      }
    }
  }
  return new BackendRouter({
    routes,
    backends,
    store: options.store,
    ...(settings.failureHoldMs !== undefined ? { failureHoldMs: settings.failureHoldMs } : {}),
    // A create's answer may take the whole request time limit; twice that and it is no longer on its way.
    submissionGraceMs: 2 * requestTimeoutMs,
  });
}
