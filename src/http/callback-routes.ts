import type { FastifyInstance } from 'fastify';
import type { DeliveryLogEntry } from '../store/index.js';
import { authenticateKey, type KeyCache } from './authenticate.js';
import type { AppOptions } from './app.js';

/** `GET /model/v1/generation/task/{id}/callbacks`: the task's delivery log, for the key that owns the task. */
export function registerCallbackRoutes(app: FastifyInstance, options: AppOptions, keys: KeyCache): void {
  const { service, store } = options;
  app.get<{ Params: { id: string } }>('/model/v1/generation/task/:id/callbacks', async (request) => {
    const key = await authenticateKey(store, request.headers.authorization, keys);
    const log = await service.callbacks(key.id, request.params.id);
    return { task_id: request.params.id, callbacks: log.map(callbackView) };
  });
}

/** One callback as the API shows it: the `webhook-id` it is sent under, its state and every attempt. */
function callbackView(entry: DeliveryLogEntry): Record<string, unknown> {
  return {
    webhook_id: entry.id,
    event: entry.event,
    url: entry.url,
    state: entry.state,
    attempts: entry.attempts,
    created_at: entry.createdAt.toISOString(),
    next_attempt_at: entry.nextAttemptAt?.toISOString() ?? null,
    delivered_at: entry.deliveredAt?.toISOString() ?? null,
    last_status: entry.lastStatus,
    last_error: entry.lastError,
    attempt_log: entry.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      started_at: attempt.startedAt.toISOString(),
      duration_ms: attempt.durationMs,
      status: attempt.httpStatus,
      error: attempt.error,
    })),
  };
}
