import { RouteError, type BackendSettings } from '../backends/index.js';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/index.js';

/**
 * The backend settings of the configuration, shared by `serve` and `worker` so both render a model through the
 * same route: a provider counts as configured once its key is set.
 */
export function backendSettings(config: Config): BackendSettings {
  return {
    ...(config.routes ? { routes: config.routes } : {}),
    vidu: config.viduApiKey
      ? { apiKey: config.viduApiKey, baseUrl: config.viduBaseUrl, concurrency: config.viduConcurrency }
      : null,
    gateway: config.gatewayApiKey
      ? {
          apiKey: config.gatewayApiKey,
          baseUrl: config.gatewayBaseUrl,
          concurrency: config.gatewayConcurrency,
        }
      : null,
    pollIntervalMs: config.upstreamPollInterval,
    requestTimeoutMs: config.upstreamRequestTimeout,
    timeoutMs: config.upstreamTimeout,
    maxOutputBytes: config.maxOutputBytes,
    breakerThreshold: config.breakerThreshold,
    breakerCooldownMs: config.breakerCooldown,
    sweepIntervalMs: config.upstreamSweepInterval,
    // One setting for every fetch of a URL inbetween did not choose: images, callbacks and provider outputs.
    allowPrivateHosts: config.allowPrivateHosts,
  };
}

/** Runs `assemble`, turning a route that cannot be honoured into a start error naming the setting. */
export function explainRouteErrors<T>(assemble: () => T): T {
  try {
    return assemble();
  } catch (error) {
    throw routeErrorAsConfigError(error);
  }
}

/** A route that cannot be honoured, as a start error naming the setting; any other error as it is. */
export function routeErrorAsConfigError(error: unknown): unknown {
  return error instanceof RouteError
    ? new ConfigError(`INBETWEEN_ROUTES / --routes: ${error.message}`)
    : error;
}
