import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError, apiError, errorResponseBody, toApiError, viduErrorOf } from '../contract/index.js';
import type { BlobStorage } from '../storage/index.js';
import { InvalidCursorError, type TaskStore } from '../store/index.js';
import type { TaskService } from '../tasks/task-service.js';
import type { RenderMetrics } from '../worker/render-metrics.js';
import { AccountService } from '../accounts/account-service.js';
import { registerAccountRoutes } from './account-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerCallbackRoutes } from './callback-routes.js';
import { registerApiGuard } from './api-guard.js';
import { KeyCache } from './authenticate.js';
import { IntakeGate } from './intake-gate.js';
import { LongResponses } from './long-responses.js';
import { serializeRequest } from './request-log.js';
import { registerDeliveryRoutes } from './delivery-routes.js';
import { registerFileRoutes } from './file-routes.js';
import { registerGenerationRoutes } from './generation-routes.js';
import { registerOperationRoutes } from './operation-routes.js';
import { registerViduRoutes, type ViduRouteOptions } from './vidu/vidu-routes.js';
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
  /** Requests per second per client address on average (bursts of twice as many); default 100. */
  readonly addressRateLimit?: number;
  /** Create requests taken in (body read, images fetched and checked) at once; beyond, 503. Default 8. */
  readonly maxConcurrentIntakes?: number;
  /** Take the client address from X-Forwarded-For (only behind a reverse proxy that sets it). */
  readonly trustProxy?: boolean;
  /** Time for a request's headers to arrive; a slower client is cut off. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time for a whole request, headers and body, to arrive; a slower client is cut off. Default 120 s. */
  readonly requestTimeoutMs?: number;
  /** How long POST /model/v1/generation/sync waits before answering 504 with the task. */
  readonly syncTimeoutMs?: number;
  /** Render durations from the in-process worker, when there is one. */
  readonly renderMetrics?: RenderMetrics;
  /** Vidu's dialect (/ent/v2); default 20 credits per USD. */
  readonly vidu?: ViduRouteOptions;
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
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const requestTimeoutMs = Math.max(options.requestTimeoutMs ?? 120_000, headersTimeoutMs);
  const app = Fastify({
    bodyLimit: maxBodyBytes,
    logger:
      typeof options.logger === 'object'
        ? { ...options.logger, serializers: { req: serializeRequest } }
        : (options.logger ?? false),
    genReqId: () => `${idPrefix}${(requests++).toString(36)}`,
    requestIdHeader: false,
    trustProxy: options.trustProxy ?? false,
    // Slow clients (a slowloris trickling headers, a body sent a byte at a time) hold a socket each; Node cuts
    // them off at these limits, checked every second rather than its default 30.
    requestTimeout: requestTimeoutMs,
    http: { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: 1000 },
    clientErrorHandler: answerClientError,
    // Requests arriving while the server shuts down get the catalogue's answer from the guard instead.
    return503OnClosing: false,
  });
  const keys = new KeyCache();
  const accounts = options.accounts ?? new AccountService({ store: options.store });
  const longResponses = new LongResponses();
  const intake = new IntakeGate(options.maxConcurrentIntakes ?? 8);
  registerApiGuard(app, {
    store: options.store,
    keys,
    keyRate: options.rateLimit ?? 50,
    addressRate: options.addressRateLimit ?? 100,
    intake,
    longResponses,
  });
  // Event streams and sync waits never end on their own: a shutdown ends them, or closing would wait forever.
  app.addHook('preClose', (done) => {
    longResponses.endAll();
    done();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiErr = fromFrameworkError(error, maxBodyBytes);
    if (apiErr.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    if (apiErr.code === 'rate_limited' || apiErr.code === 'queue_full' || apiErr.code === 'server_busy') {
      void reply.header('retry-after', String(apiErr.values.retry_after ?? 1));
    }
    // Each dialect answers errors in its own shape; the request id is Vidu's trace_id.
    if (isViduUrl(request.url)) {
      const body = viduErrorOf(apiErr, request.id);
      return reply.status(body.code).send(body);
    }
    return reply.status(apiErr.status).send(errorResponseBody(apiErr, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = apiError('route_not_found', {
      values: { method: request.method, path: request.url.split('?', 1)[0].slice(0, 200) },
    });
    if (isViduUrl(request.url)) return reply.status(404).send(viduErrorOf(error, request.id));
    return reply.status(404).send(errorResponseBody(error, request.id));
  });
  intake.register(app);
  registerGenerationRoutes(app, options, keys);
  registerViduRoutes(app, options, keys, options.vidu ?? {});
  registerDeliveryRoutes(app, options, { keys, intake, longResponses });
  registerCallbackRoutes(app, options, keys);
  registerAccountRoutes(app, options, keys, accounts);
  registerFileRoutes(app, options);
  registerAdminRoutes(app, options, keys, accounts);
  registerOperationRoutes(app, options);
  registerWebRoutes(app);
  return app;
}

function isViduUrl(url: string): boolean {
  return url.startsWith('/ent/');
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

/**
 * A connection that broke the HTTP rules before it became a request. A client too slow with its headers or body
 * (`requestTimeout`, `headersTimeout`) is told so in the catalogue's terms before the socket is closed; the rest
 * get a bare 400, as Node would send.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // As Node does: write an answer only while no response to this connection has started.
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !pending?.headersSent) {
    const body =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? errorResponseBody(
            apiError('request_timeout', { values: { reason: 'the connection was too slow and is closed' } }),
            'none',
          )
        : null;
    if (body) {
      const text = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    } else {
      socket.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    }
  }
  socket.destroy(error);
}
