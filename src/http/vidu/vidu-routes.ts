import type { FastifyInstance } from 'fastify';
import { apiError, describeValue, VIDU_MODELS } from '../../contract/index.js';
import type { TaskService } from '../../tasks/task-service.js';
import type { AppOptions } from '../app.js';
import { authenticateKey, credentialOf, type KeyCache } from '../authenticate.js';
import { findViduTasks, parseViduTaskQuery } from './vidu-task-query.js';
import { viduCreateAnswer, viduCreationsView, viduListedTask } from './vidu-views.js';

/** Settings of Vidu's dialect. */
export interface ViduRouteOptions {
  /** Credits per USD of inbetween's price; Vidu's `credits`. Default {@link DEFAULT_CREDITS_PER_USD}. */
  readonly creditsPerUsd?: number;
}

/** 20 credits per USD: Vidu's public list price of $0.05 per credit at the time of writing. */
export const DEFAULT_CREDITS_PER_USD = 20;

/**
 * Vidu's official API (https://api.vidu.com/ent/v2/...) as a second front door over the same task service:
 * `Authorization: Token <key>` with the same keys, Vidu's model names and shapes. Validation, money and state
 * are the task service's; this only maps names in and shapes out (errors are shaped by the app's handler).
 */
export function registerViduRoutes(
  app: FastifyInstance,
  options: AppOptions,
  keys: KeyCache,
  vidu: ViduRouteOptions,
): void {
  const { service, store } = options;
  const rate = vidu.creditsPerUsd ?? DEFAULT_CREDITS_PER_USD;
  const auth = (header: string | undefined) => authenticateKey(store, header, keys, 'Token');

  for (const [path, images] of [
    ['/ent/v2/start-end2video', 2],
    ['/ent/v2/img2video', 1],
  ] as const) {
    app.post(path, { config: { intake: true } }, async (request) => {
      const key = await auth(request.headers.authorization);
      const body = asObject(request.body);
      const model = viduModel(body.model);
      if (Array.isArray(body.images) && body.images.length !== images && body.images.length <= 2) {
        throw apiError('002014010', {
          param: 'images',
          values: {
            expected: images === 2 ? 'a start and an end frame (2 images)' : 'one start frame (1 image)',
            received: `${body.images.length} images on ${path}`,
          },
        });
      }
      const idempotencyKey = request.headers['idempotency-key'];
      const task = await service.createTask({
        keyId: key.id,
        body: { ...body, model: VIDU_MODELS[model] },
        ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
        vidu: { model, apiKey: credentialOf(request.headers.authorization, 'Token') ?? '' },
      });
      return viduCreateAnswer(task, Array.isArray(body.images) ? body.images : [], rate);
    });
  }

  app.get<{ Params: { id: string } }>('/ent/v2/tasks/:id/creations', async (request) => {
    const key = await auth(request.headers.authorization);
    const task = await service.getTask(key.id, request.params.id);
    return viduCreationsView(task, service.toObject(task), rate);
  });

  app.post<{ Params: { id: string } }>('/ent/v2/tasks/:id/cancel', async (request) => {
    const key = await auth(request.headers.authorization);
    await service.cancelTask(key.id, request.params.id);
    return {};
  });

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(
    '/ent/v2/tasks',
    async (request) => {
      const key = await auth(request.headers.authorization);
      const page = await findViduTasks(service, key.id, parseViduTaskQuery(request.query));
      return {
        tasks: page.tasks.map((task) => viduListedTask(task, service.toObject(task), rate)),
        next_page_token: page.nextPageToken,
      };
    },
  );
}

/** The Vidu-signed callback body of a task: what `GET /ent/v2/tasks/{id}/creations` answers. */
export function viduCallbackBody(service: TaskService, creditsPerUsd: number) {
  return (task: Parameters<TaskService['toObject']>[0]) =>
    viduCreationsView(task, service.toObject(task), creditsPerUsd);
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw apiError('invalid_json', { values: { received: describeValue(body) } });
  }
  return body as Record<string, unknown>;
}

// Vidu's model names only: the service's own id is not one of Vidu's, so it is refused here as Vidu would.
function viduModel(model: unknown): string {
  if (typeof model === 'string' && Object.hasOwn(VIDU_MODELS, model)) return model;
  throw apiError('model_not_found', {
    param: 'model',
    values: { models: Object.keys(VIDU_MODELS).join(', '), received: describeValue(model) },
  });
}
