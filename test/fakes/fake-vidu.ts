import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeProvider, parseBody, sendJson, type FakeTask } from './fake-tasks.js';

// Written from Vidu's published API pages (platform.vidu.com/docs): start-end-to-video and img2video (create),
// get-generation (`/ent/v2/tasks/{id}/creations`), tasks-list (`/ent/v2/tasks`), cancel-generation, error-code.
const MODELS = new Set(['viduq2-pro', 'viduq2-turbo', 'viduq2-pro-fast', 'viduq1', 'vidu2.0']);

/** A fake of Vidu's official API on 127.0.0.1, scripted per create and per task. */
export class FakeVidu extends FakeProvider {
  static async start(options: { apiKey: string; video: Buffer; cover: Buffer }): Promise<FakeVidu> {
    const fake = new FakeVidu(options);
    await fake.listen();
    return fake;
  }

  protected handle(request: IncomingMessage, response: ServerResponse, text: string): void {
    if (this.book.serveFile(request, response)) return;
    if (request.headers.authorization !== `Token ${this.apiKey}`) {
      return error(response, 401, 'Unauthorized', 'unauthorized');
    }
    const url = new URL(request.url ?? '/', this.baseUrl);
    const path = url.pathname;
    if (request.method === 'POST' && (path === '/ent/v2/start-end2video' || path === '/ent/v2/img2video')) {
      return this.#create(response, text, path.endsWith('img2video') ? 1 : 2);
    }
    if (request.method === 'GET' && path === '/ent/v2/tasks') return this.#list(response, url);
    const match = /^\/ent\/v2\/tasks\/([^/]+)\/(creations|cancel)$/.exec(path);
    const task = match ? this.book.tasks.get(match[1]) : undefined;
    if (match && !task) return error(response, 404, 'TaskNotFound', 'task not found');
    if (task && match![2] === 'creations' && request.method === 'GET') {
      return sendJson(response, 200, this.#creations(this.book.poll(task)));
    }
    if (task && match![2] === 'cancel' && request.method === 'POST') {
      if (this.book.cancel(task)) return sendJson(response, 200, {});
      return error(response, 400, 'BadRequest', 'task state is scheduled, can not cancel');
    }
    error(response, 404, 'NotFound', 'not found');
  }

  #create(response: ServerResponse, text: string, images: number): void {
    const body = parseBody(text);
    if (!body) return error(response, 400, 'BadRequest', 'bad request');
    this.book.creates.push(body);
    const script = this.book.nextCreate();
    if (script.kind === 'hang') return this.book.hang(response);
    if (script.kind === 'error') {
      const headers: Record<string, string> =
        script.retryAfter !== undefined ? { 'retry-after': String(script.retryAfter) } : {};
      return error(response, script.status, script.reason, script.reason, headers);
    }
    if (typeof body.model !== 'string' || !MODELS.has(body.model)) {
      return error(response, 400, 'FieldInvalid', 'invalid field: model');
    }
    const list = body.images;
    if (!Array.isArray(list) || list.length !== images) {
      return error(response, 400, 'FieldItemCountOutOfRange', 'field item count out of range: images');
    }
    if (
      !list.every((image) => typeof image === 'string' && /^data:image\/(png|jpeg|webp);base64,/.test(image))
    ) {
      return error(response, 400, 'ImageFormatInvalid', 'invalid image format');
    }
    const task = this.book.make(body.model, typeof body.payload === 'string' ? body.payload : '', body);
    if (script.kind === 'accept-then-hang') return this.book.hang(response);
    sendJson(response, 200, {
      task_id: task.id,
      state: 'created',
      model: body.model,
      images: list,
      prompt: body.prompt ?? '',
      duration: body.duration,
      seed: body.seed,
      resolution: body.resolution,
      movement_amplitude: body.movement_amplitude,
      payload: task.payload,
      off_peak: body.off_peak ?? false,
      credits: task.script.credits ?? 0,
      created_at: task.createdAt.toISOString(),
    });
  }

  #creations(task: FakeTask): Record<string, unknown> {
    const state = {
      running: task.polls <= 1 ? 'queueing' : 'processing',
      succeeded: 'success',
      failed: 'failed',
      cancelled: 'failed',
    }[task.state];
    return {
      id: task.id,
      state,
      err_code:
        task.state === 'failed' ? task.script.failWith : task.state === 'cancelled' ? 'UserCancelled' : '',
      credits: task.script.credits ?? 0,
      payload: task.payload,
      bgm: task.body.bgm === true,
      off_peak: task.body.off_peak === true,
      creations:
        task.state === 'succeeded'
          ? [
              {
                id: `c${task.id}`,
                // Signed, expiring URLs in the real API; a fresh one on every answer.
                url: `${this.baseUrl}/files/${task.id}/video.mp4?Expires=${Date.now() + 3600_000}`,
                cover_url: `${this.baseUrl}/files/${task.id}/cover.jpg?Expires=${Date.now() + 3600_000}`,
              },
            ]
          : [],
    };
  }

  /** The documented list fields (no payload among them); `created_at.from` filters, pages by `pager.pagesz`. */
  #list(response: ServerResponse, url: URL): void {
    const from = Date.parse(url.searchParams.get('created_at.from') ?? '');
    const size = Math.min(100, Number(url.searchParams.get('pager.pagesz') ?? 10));
    const start = Number(url.searchParams.get('pager.page_token') ?? 0);
    const tasks = [...this.book.tasks.values()]
      .filter((task) => Number.isNaN(from) || task.createdAt.getTime() >= from)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const page = tasks.slice(start, start + size);
    sendJson(response, 200, {
      tasks: page.map((task) => ({
        id: task.id,
        model: task.model,
        prompt: task.body.prompt ?? '',
        images: [],
        duration: task.body.duration,
        resolution: task.body.resolution,
        state: this.#creations(task).state,
        created_at: task.createdAt.toISOString(),
      })),
      next_page_token: start + size < tasks.length ? String(start + size) : '',
    });
  }
}

function error(
  response: ServerResponse,
  status: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { code: status, reason, message, metadata: { trace_id: 'fake' } }, headers);
}
