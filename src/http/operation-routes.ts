import type { FastifyInstance } from 'fastify';
import { generationRequestJsonSchema, TASK_STATUSES } from '../contract/index.js';
import { DELIVERY_STATES } from '../store/index.js';
import type { AppOptions } from './app.js';

/** /healthz (the process answers), /readyz (its store answers), /metrics (Prometheus text), /openapi.json. */
export function registerOperationRoutes(app: FastifyInstance, options: AppOptions): void {
  app.get('/healthz', () => Promise.resolve({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await options.store.queueDepth();
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    const counts = await options.store.countByStatus();
    const depth = await options.store.queueDepth();
    const callbacks = await options.store.countDeliveriesByState();
    const lines = [
      '# HELP inbetween_tasks Tasks by status.',
      '# TYPE inbetween_tasks gauge',
      ...TASK_STATUSES.map((status) => `inbetween_tasks{status="${status}"} ${counts[status] ?? 0}`),
      '# HELP inbetween_queue_depth Tasks waiting for a worker.',
      '# TYPE inbetween_queue_depth gauge',
      `inbetween_queue_depth ${depth}`,
      '# HELP inbetween_callbacks Callbacks by delivery state (failed: the retries ran out).',
      '# TYPE inbetween_callbacks gauge',
      ...DELIVERY_STATES.map((state) => `inbetween_callbacks{state="${state}"} ${callbacks[state]}`),
      ...(options.renderMetrics?.lines() ?? []),
    ];
    return reply.header('content-type', 'text/plain; version=0.0.4').send(lines.join('\n') + '\n');
  });

  app.get('/openapi.json', () => Promise.resolve(openApiDocument()));
}

/** The OpenAPI description, with the create body's schema generated from the same table that validates it. */
function openApiDocument(): Record<string, unknown> {
  const bearer = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: { title: 'inbetween', version: '0.1.0', description: 'viduq2_pro_start_end2video, self-hosted' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { GenerationRequest: generationRequestJsonSchema() },
    },
    paths: {
      '/model/v1/generation': {
        post: {
          security: bearer,
          requestBody: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/GenerationRequest' } } },
          },
          responses: { '200': { description: 'The task object, status pending' } },
        },
      },
      '/model/v1/generation/precharge': {
        post: {
          security: bearer,
          requestBody: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/GenerationRequest' } } },
          },
          responses: {
            '200': {
              description:
                '{ status: "success", data: { model, original_model, billing_model, sample_count, cost, currency, discount, hash, updated_at } }: the quote; nothing is created',
            },
          },
        },
      },
      '/model/v1/generation/sync': {
        post: {
          security: bearer,
          requestBody: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/GenerationRequest' } } },
          },
          responses: {
            '200': { description: 'The finished task' },
            '504': { description: 'SYNC_TIMEOUT, with the task still running' },
          },
        },
      },
      '/model/v1/generation/task/{id}/stream': {
        get: {
          security: bearer,
          responses: {
            '200': {
              description: 'Server-sent events: progress, done, error; Last-Event-ID or ?cursor=N resumes',
            },
          },
        },
      },
      '/model/v1/generation/task/{id}': {
        get: { security: bearer, responses: { '200': { description: 'The task' } } },
      },
      '/model/v1/generation/task/{id}/cancel': {
        post: { security: bearer, responses: { '200': { description: 'The cancelled task' } } },
      },
      '/model/v1/generation/tasks': {
        get: { security: bearer, responses: { '200': { description: "The caller's tasks, newest first" } } },
      },
      // Vidu's dialect: Authorization: Token <key>, Vidu's bodies and answers (README, "Vidu's own API").
      '/ent/v2/start-end2video': {
        post: {
          responses: { '200': { description: "Vidu's create answer: task_id, state created, credits" } },
        },
      },
      '/ent/v2/img2video': {
        post: { responses: { '200': { description: "Vidu's create answer from one start frame" } } },
      },
      '/ent/v2/tasks/{id}/creations': {
        get: { responses: { '200': { description: 'state, err_code, credits, payload, creations' } } },
      },
      '/ent/v2/tasks': {
        get: { responses: { '200': { description: 'tasks and next_page_token' } } },
      },
      '/ent/v2/tasks/{id}/cancel': {
        post: { responses: { '200': { description: '{}' } } },
      },
      '/model/v1/generation/task/{id}/callbacks': {
        get: {
          security: bearer,
          responses: {
            '200': { description: 'The callback delivery log: every status change, every attempt' },
          },
        },
      },
      '/model/v1/account': {
        get: {
          security: bearer,
          responses: {
            '200': { description: "The calling key's balance (null = unlimited), held and spent" },
          },
        },
      },
      '/admin/v1/keys': {
        get: {
          security: bearer,
          responses: { '200': { description: 'Every key with balance, held and spent' } },
        },
        post: {
          security: bearer,
          responses: {
            '201': { description: 'The new key; its secret and webhook secret, shown this once' },
          },
        },
      },
      '/admin/v1/keys/{id}': {
        get: { security: bearer, responses: { '200': { description: 'The key' } } },
      },
      '/admin/v1/keys/{id}/revoke': {
        post: { security: bearer, responses: { '200': { description: 'The revoked key' } } },
      },
      '/admin/v1/keys/{id}/rotate-webhook-secret': {
        post: {
          security: bearer,
          responses: {
            '200': { description: 'The new webhook secret; the old one signs beside it for 24 h' },
          },
        },
      },
      '/admin/v1/keys/{id}/top-up': {
        post: {
          security: bearer,
          responses: {
            '200': {
              description: 'The key with its new balance and the ledger entry (Idempotency-Key honoured)',
            },
          },
        },
      },
      '/admin/v1/keys/{id}/adjust': {
        post: {
          security: bearer,
          responses: {
            '200': {
              description:
                'A credit or debit with a reason: the key and the ledger entry (Idempotency-Key honoured)',
            },
          },
        },
      },
      '/admin/v1/keys/{id}/usage': {
        get: { security: bearer, responses: { '200': { description: "The key's account and ledger" } } },
      },
      '/admin/v1/ledger/audit': {
        get: { security: bearer, responses: { '200': { description: '{ balanced, problems }' } } },
      },
    },
  };
}
