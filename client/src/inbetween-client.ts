import { InbetweenError, InbetweenSyncTimeoutError, InbetweenWaitTimeoutError } from './errors.js';
import { readServerSentEvents } from './sse-parser.js';
import {
  isFinalStatus,
  MODEL_ID,
  type Account,
  type CallbackDelivery,
  type ErrorBody,
  type GenerationParams,
  type Quote,
  type TaskObject,
  type TaskPage,
  type TaskStatus,
  type TaskStreamEvent,
} from './types.js';

/** Options of {@link InbetweenClient}. */
export interface InbetweenClientOptions {
  /** Where the service listens, such as `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** An API key (`ib_...`). */
  apiKey: string;
  /** Another fetch (a proxy agent, a test double); default the global one. */
  fetch?: typeof fetch;
  /** Limit of one ordinary request, default 30 s; `sync` and `stream` are limited by their signal only. */
  timeoutMs?: number;
}

/** Options every call takes. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** Options of {@link InbetweenClient.wait}. */
export interface WaitOptions extends RequestOptions {
  /** How long to wait, in milliseconds, before rejecting with {@link InbetweenWaitTimeoutError}. */
  deadlineMs: number;
  /** Called with the task whenever its status or progress changed since the last poll. */
  onProgress?: (task: TaskObject) => void;
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5_000;

/**
 * A client of an inbetween server (the hosted `viduq2_pro_start_end2video` API). Every failure answered by the
 * server becomes an {@link InbetweenError} with the API's `code`, `param` and `requestId`.
 */
export class InbetweenClient {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: InbetweenClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Creates a task; the same `idempotencyKey` with the same body answers the same task. */
  async create(params: GenerationParams, options: RequestOptions & { idempotencyKey?: string } = {}) {
    const headers: Record<string, string> = options.idempotencyKey
      ? { 'idempotency-key': options.idempotencyKey }
      : {};
    return this.#json<TaskObject>('POST', '/model/v1/generation', {
      ...options,
      body: withModel(params),
      headers,
    });
  }

  /** The task object. */
  async get(id: string, options: RequestOptions = {}): Promise<TaskObject> {
    return this.#json<TaskObject>('GET', `/model/v1/generation/task/${encodeURIComponent(id)}`, options);
  }

  /** One page of the caller's tasks, newest first. */
  async list(options: RequestOptions & { status?: TaskStatus; limit?: number; cursor?: string } = {}) {
    const query = new URLSearchParams();
    if (options.status !== undefined) query.set('status', options.status);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.cursor !== undefined) query.set('cursor', options.cursor);
    const search = query.toString() ? `?${query.toString()}` : '';
    return this.#json<TaskPage>('GET', `/model/v1/generation/tasks${search}`, options);
  }

  /** Cancels a pending or processing task; a final one answers `task_not_cancellable` (409). */
  async cancel(id: string, options: RequestOptions = {}): Promise<TaskObject> {
    return this.#json<TaskObject>(
      'POST',
      `/model/v1/generation/task/${encodeURIComponent(id)}/cancel`,
      options,
    );
  }

  /** The task's callback delivery log: every status change sent to its callback_url, with every attempt. */
  async callbacks(id: string, options: RequestOptions = {}): Promise<CallbackDelivery[]> {
    const log = await this.#json<{ callbacks: CallbackDelivery[] }>(
      'GET',
      `/model/v1/generation/task/${encodeURIComponent(id)}/callbacks`,
      options,
    );
    return log.callbacks;
  }

  /** The calling key's balance (null = unlimited), held and spent money (an inbetween extension). */
  async account(options: RequestOptions = {}): Promise<Account> {
    return this.#json<Account>('GET', '/model/v1/account', options);
  }

  /** What a request would cost, without creating anything (404 on servers without pricing). */
  async precharge(params: GenerationParams, options: RequestOptions = {}): Promise<Quote> {
    const answer = await this.#json<{ status: string; data: Quote }>(
      'POST',
      '/model/v1/generation/precharge',
      {
        ...options,
        body: withModel(params),
      },
    );
    return answer.data;
  }

  /**
   * Creates a task and answers it once final. When the server's wait runs out it rejects with
   * {@link InbetweenSyncTimeoutError}, which carries the still running task.
   */
  async sync(params: GenerationParams, options: RequestOptions & { idempotencyKey?: string } = {}) {
    const headers: Record<string, string> = options.idempotencyKey
      ? { 'idempotency-key': options.idempotencyKey }
      : {};
    return this.#json<TaskObject>('POST', '/model/v1/generation/sync', {
      ...options,
      body: withModel(params),
      headers,
      noTimeout: true,
    });
  }

  /**
   * Polls a task until it is completed, failed or cancelled and answers it (a failed task is answered, not
   * thrown: its `error` says why). Polls back off from 0.5 s to 5 s with jitter. Rejects with
   * {@link InbetweenWaitTimeoutError}, carrying the task as read at the deadline, when `deadlineMs` runs out.
   */
  async wait(id: string, options: WaitOptions): Promise<TaskObject> {
    const deadline = Date.now() + options.deadlineMs;
    let delay = FIRST_DELAY_MS;
    let last: TaskObject | undefined;
    for (;;) {
      const task = await this.get(id, { ...(options.signal ? { signal: options.signal } : {}) });
      if (last === undefined || task.status !== last.status || task.progress !== last.progress) {
        options.onProgress?.(task);
      }
      last = task;
      if (isFinalStatus(task.status)) return task;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new InbetweenWaitTimeoutError(task, options.deadlineMs);
      // Half fixed, half random, so many waiting clients do not poll in step.
      await sleep(Math.min(remaining, delay / 2 + (Math.random() * delay) / 2), options.signal);
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  }

  /**
   * The task's server-sent events: `progress` on every change, then `done` with the final task (or `error`),
   * after which the iteration ends. Pass the last seen `id` as `lastEventId` to resume after a dropped
   * connection; the server starts with the current state. Leaving the loop early closes the connection.
   */
  async *stream(
    id: string,
    options: RequestOptions & { lastEventId?: string } = {},
  ): AsyncGenerator<TaskStreamEvent> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const response = await this.#send('GET', `/model/v1/generation/task/${encodeURIComponent(id)}/stream`, {
      ...options,
      headers,
      noTimeout: true,
    });
    if (!response.body) return;
    for await (const message of readServerSentEvents(response.body)) {
      if (message.event !== 'progress' && message.event !== 'done' && message.event !== 'error') continue;
      if (message.event === 'error') {
        yield { event: 'error', id: message.id, data: JSON.parse(message.data) as ErrorBody };
        return;
      }
      yield { event: message.event, id: message.id, data: JSON.parse(message.data) as TaskObject };
      if (message.event === 'done') return;
    }
  }

  async #json<T>(method: string, path: string, options: SendOptions): Promise<T> {
    const response = await this.#send(method, path, options);
    return (await response.json()) as T;
  }

  // Sends a request and answers a 2xx response; anything else becomes an InbetweenError.
  async #send(method: string, path: string, options: SendOptions): Promise<Response> {
    const signals: AbortSignal[] = options.signal ? [options.signal] : [];
    const timeout = options.noTimeout ? undefined : AbortSignal.timeout(this.#timeoutMs);
    if (timeout) signals.push(timeout);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (error) {
      if (timeout?.aborted && !options.signal?.aborted) {
        throw new InbetweenError({
          status: 0,
          code: 'request_timeout',
          message: `${method} ${path} got no answer within ${this.#timeoutMs} ms`,
          cause: error,
        });
      }
      throw error;
    }
    if (response.ok) return response;
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const error = InbetweenError.fromResponse(response.status, body, requestId);
    // Only sync answers this code, and its body carries the task that is still running.
    if (error.code === 'SYNC_TIMEOUT' && isTaskCarrier(body))
      throw new InbetweenSyncTimeoutError(error, body.task);
    throw error;
  }
}

interface SendOptions extends RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** For requests that last as long as the task: only the caller's signal ends them. */
  noTimeout?: boolean;
}

function withModel(params: GenerationParams): GenerationParams {
  return { ...params, model: params.model ?? MODEL_ID };
}

function isTaskCarrier(value: unknown): value is { task: TaskObject } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { task?: unknown }).task === 'object'
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
