import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError, apiError, errorResponseBody, toApiError } from '../contract/index.js';
import type { BlobStorage } from '../storage/index.js';
import { InvalidCursorError, type TaskStore } from '../store/index.js';
import type { TaskService } from '../tasks/task-service.js';
import type { RenderMetrics } from '../worker/render-metrics.js';
import { AccountService } from '../accounts/account-service.js';
import { registerAccountRoutes } from './account-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerCallbackRoutes } from './callback-routes.js';
import { authenticateKey, KeyCache } from './authenticate.js';
import { RateLimiter } from './rate-limiter.js';
import { registerDeliveryRoutes } from './delivery-routes.js';
import { registerFileRoutes } from './file-routes.js';
import { registerGenerationRoutes } from './generation-routes.js';
import { registerOperationRoutes } from './operation-routes.js';
import { registerWebRoutes } from './web-routes.js';

export interface AppOptions {
  readonly service: TaskService;
  /** Keys and money; made on the store when not given. */
  readonly accounts?: AccountService;
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  readonly adminToken: string;
  /** Secret that signs download URLs. */
  readonly fileSecret: string;
  /** Largest request body accepted; the spec says 20 MB. */
  readonly maxBodyBytes?: number;
  /** Fastify's pino logger: a level, and where the JSON lines go (standard output unless a stream is given). */
  readonly logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** Requests per second per API key on average (bursts of twice as many); default 50. */
  readonly rateLimit?: number;
  /** How long POST /model/v1/generation/sync waits before answering 504 with the task. */
  readonly syncTimeoutMs?: number;
  /** Render durations from the in-process worker, when there is one. */
  readonly renderMetrics?: RenderMetrics;
}

/**
 * The HTTP face of the service, in the hosted API's dialect. Routes are thin: they authenticate, hand the body
 * to the task service and answer its result; every failure becomes one response shape with a request id.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const maxBodyBytes = options.maxBodyBytes ?? 20 * 1024 * 1024;
  // Request ids: a random prefix per process and a counter, unique across processes without a random draw per
  // request (which showed as 5% of a poll's time).
  const idPrefix = `req_${randomBytes(6).toString('base64url')}`;
  let requests = 0;
  const app = Fastify({
    bodyLimit: maxBodyBytes,
    logger: options.logger ?? false,
    genReqId: () => `${idPrefix}${(requests++).toString(36)}`,
    requestIdHeader: false,
  });
  const keys = new KeyCache();
  const accounts = options.accounts ?? new AccountService({ store: options.store });
  const limiter = new RateLimiter(options.rateLimit ?? 50);
  // Every authenticated API call counts against its key's rate, before its body is read; admin and operations
  // endpoints do not.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/model/')) return;
    const header = request.headers.authorization;
    if (!header) return;
    const key = await authenticateKey(options.store, header, keys);
    const wait = limiter.take(key.id);
    if (wait > 0) {
      throw apiError('rate_limited', {
        values: { reason: 'request rate of this API key', retry_after: wait },
      });
    }
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiErr = fromFrameworkError(error, maxBodyBytes);
    if (apiErr.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    if (apiErr.code === 'rate_limited' || apiErr.code === 'queue_full') {
      void reply.header('retry-after', String(apiErr.values.retry_after ?? 1));
    }
    return reply.status(apiErr.status).send(errorResponseBody(apiErr, request.id));
  });
  registerGenerationRoutes(app, options, keys);
  registerDeliveryRoutes(app, options, keys);
  registerCallbackRoutes(app, options, keys);
  registerAccountRoutes(app, options, keys, accounts);
  registerFileRoutes(app, options);
  registerAdminRoutes(app, options, keys, accounts);
  registerOperationRoutes(app, options);
  registerWebRoutes(app);
  return app;
}

/** Fastify's own errors (bad JSON, body too large) in the catalogue's terms; anything unknown is a 500. */
function fromFrameworkError(error: unknown, maxBodyBytes: number): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidCursorError) {
    return apiError('002014010', {
      param: 'cursor',
      values: { expected: 'a next_cursor from a previous page', received: 'another string' },
    });
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return apiError('body_too_large', { values: { limit: `${maxBodyBytes} bytes`, received: 'more' } });
  }
  if (code.startsWith('FST_ERR_CTP') || error instanceof SyntaxError) {
    return apiError('invalid_json', { values: { received: 'a body that is not valid JSON' } });
  }
  return toApiError(error);
}
