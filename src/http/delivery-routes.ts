import type { FastifyInstance } from 'fastify';
import {
  apiError,
  errorResponseBody,
  isTerminal,
  parseGenerationRequest,
  prechargeQuote,
  toApiError,
  type TaskObject,
} from '../contract/index.js';
import { watchTask } from '../tasks/watch-task.js';
import { authenticateKey, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';
import { hangUpSignal } from './hang-up-signal.js';
import type { IntakeGate } from './intake-gate.js';
import type { LongResponses } from './long-responses.js';

/** What the delivery routes share with the rest of the app. */
export interface DeliveryWiring {
  readonly keys: KeyCache;
  readonly intake: IntakeGate;
  /** Ends the event streams and sync waits at shutdown. */
  readonly longResponses: LongResponses;
}

/** Comment lines that keep proxies and browsers from closing a quiet event stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The endpoints that deliver a task without polling: a price quote before creating anything, the task's
 * server-sent event stream, and the synchronous create that waits for the video.
 */
export function registerDeliveryRoutes(
  app: FastifyInstance,
  options: AppOptions,
  { keys, intake, longResponses }: DeliveryWiring,
): void {
  const { service, store } = options;
  const syncTimeoutMs = options.syncTimeoutMs ?? 300_000;

  app.post('/model/v1/generation/precharge', async (request) => {
    await authenticateKey(store, request.headers.authorization, keys);
    const modelHeader = request.headers['x-model'];
    const parsed = parseGenerationRequest(
      request.body,
      typeof modelHeader === 'string' ? { model: modelHeader } : {},
    );
    // The envelope the operator's SDK reads (`resp.data.cost`); unknown members of the body are ignored.
    return { status: 'success', data: prechargeQuote(parsed, service.prices) };
  });

  app.get<{ Params: { id: string }; Querystring: { cursor?: string } }>(
    '/model/v1/generation/task/:id/stream',
    async (request, reply) => {
      const key = await authenticateKey(store, request.headers.authorization, keys);
      // The first read happens before the stream opens, so a missing task is an ordinary 404 answer.
      const first = await service.get(key.id, request.params.id);
      // The stream ends when the client hangs up or the server shuts down.
      const shutdown = longResponses.open();
      const signal = AbortSignal.any([hangUpSignal(reply), shutdown.signal]);
      // Where a reconnecting client left off: the Last-Event-ID header (browsers) or ?cursor=N (the operator's SDK).
      let eventId = eventIdFrom(request.headers['last-event-id']) ?? eventIdFrom(request.query.cursor) ?? 0;
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-request-id': request.id,
        // Proxies such as nginx buffer responses unless told not to; events must arrive as they happen.
        'x-accel-buffering': 'no',
      });
      const send = (event: string, data: unknown): void => {
        out.write(`id: ${++eventId}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const keepAlive = setInterval(() => out.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      try {
        if (isTerminal(first.status)) {
          send('done', first);
        } else {
          for await (const task of watchTask(service, key.id, request.params.id, { signal })) {
            send(isTerminal(task.status) ? 'done' : 'progress', task);
          }
        }
      } catch (error) {
        const failure = toApiError(error);
        if (failure.code === 'internal_error') request.log.error({ err: error }, 'event stream failed');
        send('error', errorResponseBody(failure, request.id));
      } finally {
        clearInterval(keepAlive);
        shutdown.done();
        out.end();
      }
    },
  );

  app.post('/model/v1/generation/sync', { config: { intake: true } }, async (request, reply) => {
    const key = await authenticateKey(store, request.headers.authorization, keys);
    const idempotencyKey = request.headers['idempotency-key'];
    const modelHeader = request.headers['x-model'];
    // Listening from the start of the handler: the client may hang up while its images are fetched.
    const hungUp = hangUpSignal(reply);
    let created: TaskObject;
    try {
      created = await service.create({
        keyId: key.id,
        body: request.body,
        ...(typeof modelHeader === 'string' ? { modelHeader } : {}),
        ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
      });
    } finally {
      // The images are in: the wait that follows holds no intake place.
      intake.release(request);
    }
    const started = Date.now();
    const shutdown = longResponses.open();
    // A client that hangs up stops the wait, not the task: it can still be polled. So does a shutdown, which
    // answers the 504 with the task as it is.
    const signal = AbortSignal.any([AbortSignal.timeout(syncTimeoutMs), hungUp, shutdown.signal]);
    let latest: TaskObject = created;
    try {
      for await (const task of watchTask(service, key.id, created.id, { signal })) latest = task;
    } finally {
      shutdown.done();
    }
    if (isTerminal(latest.status)) return latest;
    const timeout = apiError('SYNC_TIMEOUT', {
      values: { id: latest.id, status: latest.status, seconds: Math.round((Date.now() - started) / 1000) },
    });
    return reply.status(504).send({ ...errorResponseBody(timeout, request.id), task: latest });
  });
}

// A non-negative integer event id, or null for anything else (a missing or malformed value starts at 0).
function eventIdFrom(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) return null;
  return Number(text.trim());
}
