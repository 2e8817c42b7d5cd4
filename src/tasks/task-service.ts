import {
  apiError,
  DEFAULT_PRICE_TABLE,
  formatUsd,
  parseGenerationRequest,
  quote,
  toTaskObject,
  taskMetadataFromRequest,
  type GenerationRequest,
  type PriceTable,
  type TaskObject,
  type TaskStatus,
} from '../contract/index.js';
import { outputSize } from '../engine/input/index.js';
import { resolveSeed } from '../engine/seed.js';
import { DEFAULT_MAX_INPUT_PIXELS } from '../engine/input/index.js';
import {
  fetchImageBytes,
  inspectImage,
  intakeImages,
  parseAllowList,
  type AllowList,
  type IntakeImage,
} from '../media/index.js';
import { UnsafeTargetError, vetHost } from '../media/safe-connect.js';
import { WATERMARK_INPUT, type BlobStorage } from '../storage/index.js';
import type { DeliveryLogEntry, NewTask, StoredTask, TaskStore } from '../store/index.js';
import type { TaskSignals } from '../queue/task-signals.js';
import { hashRequest, limitError, noSigningSecret } from './create-errors.js';
import { newTaskId } from './task-ids.js';
import { sealSigningKey } from './webhooks/seal-signing-key.js';

export { WATERMARK_INPUT };

export interface TaskServiceOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** Turns a blob key into the URL a client downloads it from (signed and expiring). */
  readonly fileUrl: (key: string) => string;
  /** Called after a task is stored, so an idle worker picks it up at once instead of at its next poll. */
  readonly onQueued?: () => void;
  /** Called when a task is cancelled, so the worker rendering it stops. */
  readonly onCancelled?: (taskId: string) => void;
  /** Tells streams and sync waits of this process when any process changed a task (they poll without). */
  readonly signals?: TaskSignals;
  readonly allowPrivateHosts?: readonly string[];
  readonly fetchTimeoutMs?: number;
  readonly maxImageBytes?: number;
  /** Pending tasks the whole service accepts; beyond, 503 queue_full. Default 1000. */
  readonly maxQueue?: number;
  /** Pending and processing tasks one key may have at once; default 20. */
  readonly maxActiveTasks?: number;
  readonly maxImagePixels?: number;
  /** Prices; default {@link DEFAULT_PRICE_TABLE}. */
  readonly prices?: PriceTable;
  /**
   * Deployment secret that seals the API key of a task created through Vidu's dialect, which signs its callbacks
   * (keys are otherwise kept only as hashes); without it such a task cannot have a callback_url.
   */
  readonly callbackKeySecret?: string;
  readonly clock?: () => Date;
}

export interface CreateTaskInput {
  readonly keyId: string;
  readonly body: unknown;
  readonly modelHeader?: string;
  readonly idempotencyKey?: string;
  /** Set by Vidu's dialect: the Vidu model name asked for and the API key its callbacks are signed with. */
  readonly vidu?: { readonly model: string; readonly apiKey: string };
}

/**
 * The task life cycle behind the API: validates a create request completely before anything is stored
 * (every input error is answered at create time, nothing charged), stores the inputs with the task so a worker
 * never refetches a URL, and answers tasks in the API's shape. Routes stay thin; everything with a side effect
 * is in the store and the storage it is given.
 */
export class TaskService {
  readonly #options: TaskServiceOptions;
  readonly #clock: () => Date;
  readonly #allowList: AllowList;

  constructor(options: TaskServiceOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.#allowList = parseAllowList(options.allowPrivateHosts);
  }

  /** The deployment's task signals, when the service was given them. */
  get signals(): TaskSignals | undefined {
    return this.#options.signals;
  }

  /** The price table in force (precharge shows it). */
  get prices(): PriceTable {
    return this.#options.prices ?? DEFAULT_PRICE_TABLE;
  }

  async create(input: CreateTaskInput): Promise<TaskObject> {
    return this.toObject(await this.createTask(input));
  }

  /** Creates a task and answers it as stored, for a dialect that shows it in its own shape. */
  async createTask(input: CreateTaskInput): Promise<StoredTask> {
    const parsed = parseGenerationRequest(input.body, input.modelHeader ? { model: input.modelHeader } : {});
    const request: GenerationRequest = input.vidu ? { ...parsed, vidu: { model: input.vidu.model } } : parsed;
    // Before anything is fetched or stored: a Vidu callback needs the secret that keeps its signing key.
    if (input.vidu && request.callback_url && !this.#options.callbackKeySecret) throw noSigningSecret();
    const requestHash = input.idempotencyKey ? hashRequest(request) : null;
    // A retry of a create that already happened answers its task before any limit is checked: its money is
    // held and its slot taken by that task, so a 402 or 429 now would tell the client it was not created.
    if (input.idempotencyKey) {
      const existing = await this.#options.store.findTaskByIdempotencyKey(input.keyId, input.idempotencyKey);
      if (existing) return this.#answerIdempotent(existing, requestHash);
    }
    await this.#checkActiveTasks(input.keyId);
    await this.#checkQueue();
    await this.#checkBalance(input.keyId, quote(request, this.prices).micros);
    if (request.callback_url) await this.#checkCallbackUrl(request.callback_url);
    const images = await intakeImages(request.images, {
      ...(this.#options.allowPrivateHosts ? { allowPrivateHosts: this.#options.allowPrivateHosts } : {}),
      ...(this.#options.fetchTimeoutMs ? { timeoutMs: this.#options.fetchTimeoutMs } : {}),
      ...(this.#options.maxImageBytes ? { maxBytes: this.#options.maxImageBytes } : {}),
      ...(this.#options.maxImagePixels ? { maxPixels: this.#options.maxImagePixels } : {}),
    });
    const watermark = request.watermark && request.wm_url ? await this.#fetchWatermark(request.wm_url) : null;
    const id = newTaskId();
    const inputKeys = await this.#storeInputs(
      id,
      watermark ? [...images, watermark] : images,
      watermark !== null,
    );
    const task = this.#newTask({ id, request, images, inputKeys, keyId: input.keyId });
    if (input.vidu && request.callback_url) task.callbackSigningKey = this.#sealVidu(id, input.vidu.apiKey);
    const inserted = await this.#options.store.insertTask(task, {
      idempotency: input.idempotencyKey && requestHash ? { key: input.idempotencyKey, requestHash } : null,
      // Checked again where they cannot be raced: the checks above ran before an intake that takes seconds,
      // during which a burst of creates all see the same room.
      limits: { maxActiveTasks: this.#maxActiveTasks(), maxQueue: this.#maxQueue() },
    });
    if (!inserted.inserted) {
      // Nothing was stored for this request: another request with the same idempotency key won the race (its
      // task stands), a limit filled up meanwhile, or the balance does not cover the cost. Our inputs go.
      await this.#options.storage.deleteMany(inputKeys);
      if (inserted.existing) return this.#answerIdempotent(inserted.existing, requestHash);
      if (inserted.limitReached) throw limitError(inserted.limitReached);
      throw apiError('002014011', {
        values: {
          cost: formatUsd(task.costMicros),
          balance: formatUsd(inserted.insufficientBalance.balanceMicros),
        },
      });
    }
    this.#options.onQueued?.();
    return inserted.task;
  }

  async get(keyId: string, id: string): Promise<TaskObject> {
    return this.toObject(await this.#ownTask(keyId, id));
  }

  /** One of the key's tasks as stored; task_not_found for a missing one or another key's. */
  async getTask(keyId: string, id: string): Promise<StoredTask> {
    return this.#ownTask(keyId, id);
  }

  async list(
    keyId: string,
    query: { status?: TaskStatus; limit: number; cursor?: string },
  ): Promise<{ tasks: TaskObject[]; nextCursor: string | null }> {
    const page = await this.listTasks(keyId, query);
    return { tasks: page.tasks.map((task) => this.toObject(task)), nextCursor: page.nextCursor };
  }

  /** A page of the key's tasks as stored, newest first. */
  async listTasks(
    keyId: string,
    query: { status?: TaskStatus; limit: number; cursor?: string },
  ): Promise<{ tasks: StoredTask[]; nextCursor: string | null }> {
    return this.#options.store.listTasks(keyId, query);
  }

  /** The callbacks of one of the key's tasks, with every attempt. */
  async callbacks(keyId: string, id: string): Promise<DeliveryLogEntry[]> {
    await this.#ownTask(keyId, id);
    return this.#options.store.listDeliveries(id);
  }

  async cancel(keyId: string, id: string): Promise<TaskObject> {
    return this.toObject(await this.cancelTask(keyId, id));
  }

  /** Cancels one of the key's tasks and answers it as stored. */
  async cancelTask(keyId: string, id: string): Promise<StoredTask> {
    await this.#ownTask(keyId, id);
    const result = await this.#options.store.cancelTask(id, keyId, this.#clock());
    if (!result.ok) {
      if (result.reason === 'not_found') throw apiError('task_not_found', { values: { id } });
      throw apiError('task_not_cancellable', {
        values: { id, status: (await this.#ownTask(keyId, id)).status },
      });
    }
    this.#options.onCancelled?.(id);
    return result.task;
  }

  // Sealed with the deployment secret; the store keeps it only in the task's callback rows until they end.
  #sealVidu(taskId: string, apiKey: string): string {
    const secret = this.#options.callbackKeySecret;
    if (!secret) throw noSigningSecret();
    return sealSigningKey(apiKey, secret, taskId);
  }

  /**
   * 429 when the key already has as many unfinished tasks as it may, before any image is fetched (the store
   * checks again inside the insert, where racing creates cannot all pass).
   */
  async #checkActiveTasks(keyId: string): Promise<void> {
    const max = this.#maxActiveTasks();
    let count = 0;
    for (const status of ['pending', 'processing'] as const) {
      count += (await this.#options.store.listTasks(keyId, { status, limit: max })).tasks.length;
    }
    if (count >= max) throw limitError({ limit: 'active_tasks', count, max });
  }

  #maxActiveTasks(): number {
    return this.#options.maxActiveTasks ?? 20;
  }

  #maxQueue(): number {
    return this.#options.maxQueue ?? 1000;
  }

  /**
   * 402 before any image is fetched when the balance cannot cover the cost. The store checks again when it
   * holds the money, in the same transaction as the insert, so two racing creates cannot both spend it.
   */
  async #checkBalance(keyId: string, costMicros: number): Promise<void> {
    const balance = (await this.#options.store.getKey(keyId))?.balanceMicros ?? null;
    if (balance !== null && balance < costMicros) {
      throw apiError('002014011', { values: { cost: formatUsd(costMicros), balance: formatUsd(balance) } });
    }
  }

  /**
   * A callback URL gets the image URLs' address check now, so a URL into the private network is a 400 at create
   * rather than a day of failed deliveries; the dispatcher checks again before every attempt (DNS may change).
   */
  async #checkCallbackUrl(url: string): Promise<void> {
    try {
      await vetHost(
        new URL(url),
        this.#allowList,
        AbortSignal.timeout(this.#options.fetchTimeoutMs ?? 15_000),
      );
    } catch (error) {
      if (!(error instanceof UnsafeTargetError)) throw error;
      throw apiError('002014010', {
        param: 'callback_url',
        values: { expected: 'an http(s) URL of a public address', received: error.message },
        cause: error,
      });
    }
  }

  /** 503 rather than accept work that could not start for hours: clients can retry or go elsewhere. */
  async #checkQueue(): Promise<void> {
    const max = this.#maxQueue();
    const count = await this.#options.store.queueDepth();
    if (count >= max) throw limitError({ limit: 'queue', count, max });
  }

  /** The API's task object, with signed URLs for the outputs. */
  toObject(task: StoredTask): TaskObject {
    const metadata = {
      ...taskMetadataFromRequest({ ...task.request, images: [] }, task.seed),
      ...(task.width !== null ? { width: task.width } : {}),
      ...(task.height !== null ? { height: task.height } : {}),
      ...(task.fps !== null ? { fps: task.fps } : {}),
      ...(task.frames !== null ? { frames: task.frames } : {}),
      ...(task.music ? { bgm_preset: task.music } : {}),
      ...(task.recommendedPrompt ? { recommended_prompt: task.recommendedPrompt } : {}),
      ...(task.backend ? { backend: task.backend } : {}),
      ...(task.upstream ? { upstream: task.upstream } : {}),
    };
    return toTaskObject({
      id: task.id,
      model: task.model,
      status: task.status,
      progress: task.progress,
      createdAt: task.createdAt,
      startedAt: task.startedAt,
      completedAt: task.completedAt,
      error: task.errorCode ? { code: task.errorCode, message: task.errorMessage ?? '' } : null,
      videos: task.outputVideoKey
        ? [
            {
              url: this.#options.fileUrl(task.outputVideoKey),
              duration: task.outputDuration ?? task.durationSeconds,
              ...(task.outputCoverKey ? { coverUrl: this.#options.fileUrl(task.outputCoverKey) } : {}),
            },
          ]
        : null,
      usage: { cost: formatUsd(task.costMicros), discount: task.discount },
      metadata,
    });
  }

  async #ownTask(keyId: string, id: string): Promise<StoredTask> {
    const task = await this.#options.store.getTask(id);
    // Another key's task is answered exactly like a missing one: its existence is not the caller's business.
    if (!task || task.keyId !== keyId) throw apiError('task_not_found', { values: { id } });
    return task;
  }

  #answerIdempotent(existing: StoredTask, requestHash: string | null): StoredTask {
    if (existing.requestHash !== requestHash) {
      throw apiError('idempotency_conflict', { values: { key: existing.idempotencyKey ?? '' } });
    }
    return existing;
  }

  /** The watermark image, fetched and checked like the keyframes at create time, so a bad one is a 400 now. */
  async #fetchWatermark(url: string): Promise<IntakeImage> {
    const bytes = await fetchImageBytes(url, {
      param: 'wm_url',
      ...(this.#options.allowPrivateHosts ? { allowPrivateHosts: this.#options.allowPrivateHosts } : {}),
      ...(this.#options.fetchTimeoutMs ? { timeoutMs: this.#options.fetchTimeoutMs } : {}),
      ...(this.#options.maxImageBytes ? { maxBytes: this.#options.maxImageBytes } : {}),
    });
    return inspectImage(bytes, 'wm_url', this.#options.maxImagePixels ?? DEFAULT_MAX_INPUT_PIXELS);
  }

  /** Stores the keyframes (and the watermark image, last, when there is one) with the task. */
  async #storeInputs(
    id: string,
    images: readonly IntakeImage[],
    lastIsWatermark: boolean,
  ): Promise<string[]> {
    const keys = images.map((image, i) => {
      const name = lastIsWatermark && i === images.length - 1 ? WATERMARK_INPUT : `input-${i}`;
      return `tasks/${id}/${name}.${image.format === 'jpeg' ? 'jpg' : image.format}`;
    });
    await Promise.all(images.map((image, i) => this.#options.storage.put(keys[i], image.bytes)));
    return keys;
  }

  #newTask(input: {
    id: string;
    keyId: string;
    request: GenerationRequest;
    images: readonly IntakeImage[];
    inputKeys: string[];
  }): NewTask {
    const { request, images } = input;
    const size = outputSize(images[0].width / images[0].height, request.resolution);
    const price = quote(request, this.prices);
    const { images: _images, ...stored } = request;
    return {
      id: input.id,
      keyId: input.keyId,
      model: request.model,
      request: stored,
      inputKeys: input.inputKeys,
      seed: resolveSeed(request.seed),
      width: size.width,
      height: size.height,
      fps: 24,
      frames: request.duration * 24,
      durationSeconds: request.duration,
      costMicros: price.micros,
      discount: price.discount,
      offPeak: request.off_peak,
      callbackUrl: request.callback_url,
      callbackSigningKey: null,
      createdAt: this.#clock(),
    };
  }
}
