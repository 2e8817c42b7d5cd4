import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeProvider, parseBody, sendJson, type FakeTask } from './fake-tasks.js';

// Written from the seed spec (POST /model/v1/generation with {"model", "input": [{"params"}]}, Bearer auth,
// task objects with status/output/usage/error) and the gateway CLI's task status page.

/** A fake of the hosted gateway on 127.0.0.1. */
export class FakeGateway extends FakeProvider {
  readonly #idempotency = new Map<string, string>();

  static async start(options: { apiKey: string; video: Buffer; cover: Buffer }): Promise<FakeGateway> {
    const fake = new FakeGateway(options);
    await fake.listen();
    return fake;
  }

  protected handle(request: IncomingMessage, response: ServerResponse, text: string): void {
    if (this.book.serveFile(request, response)) return;
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      return error(response, 401, 'unauthorized', 'Missing or invalid API key');
    }
    const url = new URL(request.url ?? '/', this.baseUrl);
    if (request.method === 'POST' && url.pathname === '/model/v1/generation') {
      return this.#create(request, response, text);
    }
    if (request.method === 'GET' && url.pathname === '/model/v1/generation/tasks') {
      const tasks = [...this.book.tasks.values()].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
      );
      return sendJson(response, 200, { tasks: tasks.map((task) => this.#object(task)), next_cursor: null });
    }
    const match = /^\/model\/v1\/generation\/task\/([^/]+)(\/cancel)?$/.exec(url.pathname);
    const task = match ? this.book.tasks.get(match[1]) : undefined;
    if (!task) return error(response, 404, 'task_not_found', 'No such task');
    if (match![2] && request.method === 'POST') {
      if (this.book.cancel(task)) return sendJson(response, 200, this.#object(task));
      return error(response, 409, 'task_not_cancellable', 'The task cannot be cancelled');
    }
    sendJson(response, 200, this.#object(this.book.poll(task)));
  }

  #create(request: IncomingMessage, response: ServerResponse, text: string): void {
    const body = parseBody(text);
    if (!body) return error(response, 400, 'invalid_json', 'Body is not JSON');
    const key = request.headers['idempotency-key'];
    const again = typeof key === 'string' ? this.#idempotency.get(key) : undefined;
    if (again) return sendJson(response, 200, this.#object(this.book.tasks.get(again)!));
    this.book.creates.push(body);
    const script = this.book.nextCreate();
    if (script.kind === 'hang') return this.book.hang(response);
    if (script.kind === 'error') {
      const headers: Record<string, string> =
        script.retryAfter !== undefined ? { 'retry-after': String(script.retryAfter) } : {};
      return error(response, script.status, script.reason, script.reason, headers);
    }
    const params =
      (Array.isArray(body.input) ? (body.input[0] as { params?: Record<string, unknown> })?.params : null) ??
      null;
    if (typeof body.model !== 'string' || !params || !Array.isArray(params.images)) {
      return error(response, 400, '002014010', 'Invalid parameter');
    }
    const task = this.book.make(body.model, typeof params.payload === 'string' ? params.payload : '', params);
    if (typeof key === 'string') this.#idempotency.set(key, task.id);
    if (script.kind === 'accept-then-hang') return this.book.hang(response);
    sendJson(response, 200, this.#object(task));
  }

  #object(task: FakeTask): Record<string, unknown> {
    const status = {
      running: task.polls === 0 ? 'pending' : 'processing',
      succeeded: 'completed',
      failed: 'failed',
      cancelled: 'cancelled',
    }[task.state];
    return {
      id: task.id,
      model: task.model,
      status,
      progress: task.state === 'succeeded' ? 1 : Math.min(0.9, task.polls / (task.script.polls + 1)),
      created_at: Math.floor(task.createdAt.getTime() / 1000),
      ...(task.state === 'failed'
        ? { error: { code: '002014012', message: task.script.failWith, error_message: task.script.failWith } }
        : {}),
      ...(task.state === 'succeeded'
        ? {
            output: [
              {
                content: [
                  {
                    type: 'video',
                    url: `${this.baseUrl}/files/${task.id}/video.mp4?expires=${Date.now() + 3600_000}`,
                    cover_url: `${this.baseUrl}/files/${task.id}/cover.jpg`,
                    duration: String(Number(task.body.duration ?? 5)),
                  },
                ],
              },
            ],
            usage: { cost: task.script.costUsd ?? '0.0000', discount: 1 },
          }
        : {}),
      metadata: { payload: task.payload },
    };
  }
}

function error(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    response,
    status,
    { error: { code, message, error_message: message }, request_id: 'fake' },
    headers,
  );
}
