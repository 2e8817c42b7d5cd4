import type { StoredTask } from '../../store/index.js';
import { callProvider, ProviderHttpError, type ErrorReader } from './provider-http.js';
import { seedParams } from './seed-params.js';
import type { UpstreamProvider, UpstreamStatus, UpstreamSubmission } from './upstream-provider.js';

/** Options of {@link GatewayProvider}. */
export interface GatewayProviderOptions {
  readonly apiKey: string;
  /** `https://cloud.vtrix.ai`, or another inbetween. */
  readonly baseUrl: string;
  readonly requestTimeoutMs: number;
}

// The seed's limit on a create body.
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

const readGatewayError: ErrorReader = (body) => {
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return { reason: null, message: error };
  const record = (error ?? {}) as { code?: unknown; message?: unknown; error_message?: unknown };
  const message = record.error_message ?? record.message;
  return {
    reason: typeof record.code === 'string' ? record.code : null,
    message: typeof message === 'string' ? message : null,
  };
};

interface GatewayTask {
  id?: unknown;
  task_id?: unknown;
  status?: unknown;
  progress?: unknown;
  created_at?: unknown;
  error?: unknown;
  output?: { content?: { url?: unknown; cover_url?: unknown; duration?: unknown }[] }[];
  usage?: { cost?: unknown };
  metadata?: { payload?: unknown };
}

/**
 * The hosted gateway the seed documents (`POST /model/v1/generation` with `{"model", "input": [{"params"}]}`,
 * `Authorization: Bearer <key>`, polled at `/model/v1/generation/task/{id}`), which is also inbetween's own API:
 * pointed at another inbetween it chains two deployments. The tag goes in `payload` and as the Idempotency-Key,
 * so a repeated create answers the task the first one made.
 */
export class GatewayProvider implements UpstreamProvider {
  readonly name = 'gateway';
  readonly #options: GatewayProviderOptions;

  constructor(options: GatewayProviderOptions) {
    this.#options = options;
  }

  /** The gateway serves the seed's model ids themselves. */
  upstreamModel(model: string): string {
    return model;
  }

  check(submission: UpstreamSubmission): void {
    const total = submission.images.reduce(
      (sum, image) => sum + Math.ceil(image.bytes.length / 3) * 4 + 64,
      0,
    );
    if (total > MAX_BODY_BYTES - 16_384)
      throw new Error(`the images make a body over the gateway's 20 MB limit`);
  }

  async submit(submission: UpstreamSubmission, signal: AbortSignal): Promise<{ id: string }> {
    const body = (await this.#call('POST', '/model/v1/generation', signal, this.#createBody(submission), {
      'idempotency-key': submission.tag,
    })) as GatewayTask;
    const id = taskId(body);
    if (!id) throw new ProviderHttpError('in_doubt', 'POST /model/v1/generation answered without a task id');
    return { id };
  }

  #createBody(submission: UpstreamSubmission): Record<string, unknown> {
    const task: StoredTask = submission.task;
    return { model: this.upstreamModel(task.model), input: [{ params: seedParams(task, submission) }] };
  }

  async status(id: string, signal: AbortSignal): Promise<UpstreamStatus> {
    const task = (await this.#call(
      'GET',
      `/model/v1/generation/task/${encodeURIComponent(id)}`,
      signal,
    )) as GatewayTask;
    const progress = typeof task.progress === 'number' ? { progress: task.progress } : {};
    const cost = typeof task.usage?.cost === 'string' ? { costUsd: task.usage.cost } : {};
    switch (task.status) {
      case 'pending':
        return { state: 'queued', ...progress };
      case 'processing':
        return { state: 'running', ...progress };
      case 'completed': {
        const content = task.output?.[0]?.content?.[0];
        if (!content || typeof content.url !== 'string') {
          return { state: 'failed', reason: 'the gateway reported completion without a video URL', ...cost };
        }
        const duration = Number(content.duration);
        return {
          state: 'succeeded',
          videoUrl: content.url,
          ...(typeof content.cover_url === 'string' ? { coverUrl: content.cover_url } : {}),
          ...(Number.isFinite(duration) && duration > 0 ? { duration } : {}),
          ...cost,
        };
      }
      case 'failed':
      case 'cancelled': {
        const { reason, message } = readGatewayError(task);
        const why = [reason, message].filter(Boolean).join(': ') || 'no reason given';
        return {
          state: task.status === 'failed' ? 'failed' : 'cancelled',
          reason: `gateway: ${why}`,
          ...cost,
        };
      }
      default:
        throw new ProviderHttpError(
          'http',
          `the gateway answered an unknown status ${JSON.stringify(task.status)}`,
          200,
        );
    }
  }

  async cancel(id: string, signal: AbortSignal): Promise<boolean> {
    try {
      await this.#call('POST', `/model/v1/generation/task/${encodeURIComponent(id)}/cancel`, signal, {});
      return true;
    } catch (error) {
      if (error instanceof ProviderHttpError && (error.status === 409 || error.status === 400)) return false;
      throw error;
    }
  }

  async findByTag(tag: string, since: Date, signal: AbortSignal): Promise<string | null> {
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
      const body = (await this.#call('GET', `/model/v1/generation/tasks?${query.toString()}`, signal)) as {
        tasks?: GatewayTask[];
        next_cursor?: unknown;
      };
      const tasks = Array.isArray(body.tasks) ? body.tasks : [];
      const found = tasks.find((task) => task.metadata?.payload === tag);
      if (found) return taskId(found);
      // Newest first: once a page reaches before the attempt (with a minute of clock skew), it is not there.
      const oldest = tasks.at(-1);
      if (oldest && createdAt(oldest) < since.getTime() - 60_000) return null;
      cursor = typeof body.next_cursor === 'string' && body.next_cursor ? body.next_cursor : null;
      if (!cursor) return null;
    }
    return null;
  }

  #call(
    method: 'GET' | 'POST',
    path: string,
    signal: AbortSignal,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    return callProvider(
      {
        method,
        url: this.#options.baseUrl + path,
        headers: { authorization: `Bearer ${this.#options.apiKey}`, ...headers },
        ...(body === undefined ? {} : { body }),
        timeoutMs: this.#options.requestTimeoutMs,
        signal,
      },
      readGatewayError,
    );
  }
}

function taskId(task: GatewayTask): string | null {
  const id = task.id ?? task.task_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** `created_at` as integer Unix seconds (the Go CLI's type) or an ISO date (older answers); ms. */
function createdAt(task: GatewayTask): number {
  if (typeof task.created_at === 'number') return task.created_at * 1000;
  if (typeof task.created_at === 'string') return Date.parse(task.created_at);
  return Number.POSITIVE_INFINITY;
}
