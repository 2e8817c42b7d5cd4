import type { StoredTask } from '../../store/index.js';
import { callProvider, ProviderHttpError, type ErrorReader } from './provider-http.js';
import { seedParams } from './seed-params.js';
import type { UpstreamProvider, UpstreamStatus, UpstreamSubmission } from './upstream-provider.js';

/** inbetween's model ids and the names Vidu's API knows them by. */
export const VIDU_UPSTREAM_MODELS: Readonly<Record<string, string>> = {
  viduq2_pro_start_end2video: 'viduq2-pro',
  viduq2_turbo_start_end2video: 'viduq2-turbo',
  viduq2_pro_fast_start_end2video: 'viduq2-pro-fast',
};

/** Options of {@link ViduProvider}. */
export interface ViduProviderOptions {
  readonly apiKey: string;
  /** `https://api.vidu.com`, or `https://api.vidu.cn` for the other region. */
  readonly baseUrl: string;
  readonly requestTimeoutMs: number;
}

// From Vidu's start-end-to-video page: each base64-decoded image under 10 MB, the whole body under 20 MB.
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_BODY_BYTES = 20 * 1024 * 1024;
// The tasks list pages by 100 at most; a lookup reads a few pages of the minutes around one submission.
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

const readViduError: ErrorReader = (body) => {
  const record = body as { reason?: unknown; message?: unknown };
  return {
    reason: typeof record.reason === 'string' ? record.reason : null,
    message: typeof record.message === 'string' ? record.message : null,
  };
};

/**
 * Vidu's official API (platform.vidu.com docs): `POST /ent/v2/start-end2video` or `/ent/v2/img2video` with
 * `Authorization: Token <key>`, polled at `GET /ent/v2/tasks/{id}/creations`, cancelled at
 * `POST /ent/v2/tasks/{id}/cancel`, found again through `GET /ent/v2/tasks` and the `payload` it carries.
 */
export class ViduProvider implements UpstreamProvider {
  readonly name = 'vidu';
  readonly #options: ViduProviderOptions;

  constructor(options: ViduProviderOptions) {
    this.#options = options;
  }

  upstreamModel(model: string): string {
    const name = VIDU_UPSTREAM_MODELS[model];
    if (!name) throw new Error(`Vidu has no model for ${model}`);
    return name;
  }

  check(submission: UpstreamSubmission): void {
    const images = submission.images;
    const large = images.find((image) => image.bytes.length >= MAX_IMAGE_BYTES);
    if (large) throw new Error(`an input image of ${large.bytes.length} bytes is over Vidu's 10 MB limit`);
    const total = images.reduce((sum, image) => sum + Math.ceil(image.bytes.length / 3) * 4 + 64, 0);
    if (total > MAX_BODY_BYTES - 16_384) throw new Error(`the images make a body over Vidu's 20 MB limit`);
  }

  async submit(
    submission: UpstreamSubmission,
    signal: AbortSignal,
  ): Promise<{ id: string; credits?: number }> {
    const { task } = submission;
    const path = submission.images.length === 2 ? '/ent/v2/start-end2video' : '/ent/v2/img2video';
    const body = await this.#call('POST', path, signal, this.#createBody(task, submission));
    const record = body as { task_id?: unknown; credits?: unknown };
    if (typeof record.task_id !== 'string' || record.task_id === '') {
      throw new ProviderHttpError('in_doubt', `POST ${path} answered without a task_id`);
    }
    return { id: record.task_id, ...(typeof record.credits === 'number' ? { credits: record.credits } : {}) };
  }

  #createBody(task: StoredTask, submission: UpstreamSubmission): Record<string, unknown> {
    return {
      // A task made through /ent/v2 goes upstream as the Vidu model its client named (viduq2-turbo, viduq1, ...);
      // one made through /model/v1 as the model its seed id maps to.
      model: task.request.vidu?.model ?? this.upstreamModel(task.model),
      ...seedParams(task, submission),
    };
  }

  async status(id: string, signal: AbortSignal): Promise<UpstreamStatus> {
    const body = (await this.#call('GET', `/ent/v2/tasks/${encodeURIComponent(id)}/creations`, signal)) as {
      state?: unknown;
      err_code?: unknown;
      credits?: unknown;
      creations?: { url?: unknown; cover_url?: unknown }[];
    };
    const credits = typeof body.credits === 'number' ? { credits: body.credits } : {};
    switch (body.state) {
      case 'created':
        return { state: 'queued', progress: 0.05, ...credits };
      case 'queueing':
        return { state: 'queued', progress: 0.1, ...credits };
      case 'processing':
        return { state: 'running', progress: 0.5, ...credits };
      case 'success': {
        const creation = Array.isArray(body.creations) ? body.creations[0] : undefined;
        if (!creation || typeof creation.url !== 'string') {
          return { state: 'failed', reason: 'Vidu reported success without a creation URL', ...credits };
        }
        return {
          state: 'succeeded',
          videoUrl: creation.url,
          ...(typeof creation.cover_url === 'string' && creation.cover_url
            ? { coverUrl: creation.cover_url }
            : {}),
          ...credits,
        };
      }
      case 'failed': {
        const code = typeof body.err_code === 'string' && body.err_code ? body.err_code : 'unknown error';
        return {
          state: code === 'UserCancelled' ? 'cancelled' : 'failed',
          reason: `Vidu: ${code}`,
          ...credits,
        };
      }
      default:
        throw new ProviderHttpError(
          'http',
          `Vidu answered an unknown state ${JSON.stringify(body.state)}`,
          200,
        );
    }
  }

  async cancel(id: string, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#call('POST', `/ent/v2/tasks/${encodeURIComponent(id)}/cancel`, signal, { id });
      return true;
    } catch (error) {
      // "task state is scheduled, can not cancel": too late, the provider charges it.
      if (error instanceof ProviderHttpError && error.status === 400) return false;
      throw error;
    }
  }

  async findByTag(tag: string, since: Date, signal: AbortSignal): Promise<string | null> {
    let token: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({
        'created_at.from': new Date(since.getTime() - 60_000).toISOString(),
        'pager.pagesz': String(PAGE_SIZE),
        ...(token ? { 'pager.page_token': token } : {}),
      });
      const body = (await this.#call('GET', `/ent/v2/tasks?${query.toString()}`, signal)) as {
        tasks?: { id?: unknown; payload?: unknown }[];
        next_page_token?: unknown;
      };
      for (const item of Array.isArray(body.tasks) ? body.tasks : []) {
        if (typeof item.id !== 'string') continue;
        // The list's documented fields do not include the payload; the task's creations answer carries it.
        const payload =
          typeof item.payload === 'string' ? item.payload : await this.#payloadOf(item.id, signal);
        if (payload === tag) return item.id;
      }
      token = typeof body.next_page_token === 'string' && body.next_page_token ? body.next_page_token : null;
      if (!token) return null;
    }
    return null;
  }

  async #payloadOf(id: string, signal: AbortSignal): Promise<string | null> {
    const body = (await this.#call('GET', `/ent/v2/tasks/${encodeURIComponent(id)}/creations`, signal)) as {
      payload?: unknown;
    };
    return typeof body.payload === 'string' ? body.payload : null;
  }

  #call(method: 'GET' | 'POST', path: string, signal: AbortSignal, body?: unknown): Promise<unknown> {
    return callProvider(
      {
        method,
        url: this.#options.baseUrl + path,
        headers: { authorization: `Token ${this.#options.apiKey}` },
        ...(body === undefined ? {} : { body }),
        timeoutMs: this.#options.requestTimeoutMs,
        signal,
      },
      readViduError,
    );
  }
}
