import type { FastifyInstance } from 'fastify';
import { apiError, isTaskStatus, TASK_STATUSES } from '../contract/index.js';
import { authenticateKey, type KeyCache } from './authenticate.js';
import { PollCache } from './poll-cache.js';
import type { AppOptions } from './app.js';

const MAX_PAGE = 100;

/** The hosted API's task endpoints under /model/v1/generation. */
export function registerGenerationRoutes(app: FastifyInstance, options: AppOptions, keys: KeyCache): void {
  const { service, store } = options;

  app.post('/model/v1/generation', { config: { intake: true } }, async (request) => {
    const key = await authenticateKey(store, request.headers.authorization, keys);
    const idempotencyKey = headerValue(request.headers['idempotency-key']);
    const modelHeader = headerValue(request.headers['x-model']);
    return service.create({
      keyId: key.id,
      body: request.body,
      ...(modelHeader ? { modelHeader } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
  });

  const polls = new PollCache();
  app.get<{ Params: { id: string } }>('/model/v1/generation/task/:id', async (request, reply) => {
    const key = await authenticateKey(store, request.headers.authorization, keys);
    const now = Date.now();
    const body =
      polls.get(key.id, request.params.id, now) ??
      polls.put(key.id, await service.get(key.id, request.params.id), now);
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.post<{ Params: { id: string } }>('/model/v1/generation/task/:id/cancel', async (request) => {
    const key = await authenticateKey(store, request.headers.authorization, keys);
    const cancelled = await service.cancel(key.id, request.params.id);
    // After the cancel, so a poll racing it cannot put the old state back.
    polls.forget(key.id, request.params.id);
    return cancelled;
  });

  app.get<{ Querystring: { status?: string; limit?: string; cursor?: string } }>(
    '/model/v1/generation/tasks',
    async (request) => {
      const key = await authenticateKey(store, request.headers.authorization, keys);
      const { status, limit, cursor } = request.query;
      if (status !== undefined && !isTaskStatus(status)) {
        throw apiError('002014010', {
          param: 'status',
          values: { expected: `one of ${TASK_STATUSES.join(', ')}`, received: JSON.stringify(status) },
        });
      }
      const size = limit === undefined ? 20 : Number(limit);
      if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
        throw apiError('002014010', {
          param: 'limit',
          values: { expected: `an integer 1..${MAX_PAGE}`, received: JSON.stringify(limit) },
        });
      }
      const page = await service.list(key.id, {
        limit: size,
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return { tasks: page.tasks, next_cursor: page.nextCursor };
    },
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
