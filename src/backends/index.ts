export { type AbandonedSweepResult } from './abandoned-attempts.js';
export {
  assembleBackends,
  type AssembleBackendsOptions,
  type BackendSettings,
  type ProviderSettings,
} from './assemble-backends.js';
export {
  BackendUnavailableError,
  cancelledByClient,
  RenderStopped,
  TaskRenderError,
  type Backend,
  type RenderJob,
  type RenderResult,
  type StopKind,
  type StoredImage,
} from './backend.js';
export { BackendRouter, NoBackendAvailableError, type RoutedBackend } from './backend-router.js';
export { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
export { LocalBackend, type LocalBackendOptions } from './local-backend.js';
export { formatRoutes, parseRoutes, RouteError, type RouteContext, type Routes } from './routes.js';
export { SlotLimiter } from './slot-limiter.js';
export { VIDU_UPSTREAM_MODELS } from './upstream/vidu-provider.js';
