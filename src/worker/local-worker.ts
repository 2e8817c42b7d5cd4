import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, fitFrames, outputSize } from '../engine/input/index.js';
import { aigcMetadata } from '../engine/label/aigc-label.js';
import type { WatermarkPosition } from '../engine/overlay/index.js';
import { renderVideo } from '../engine/render/render-video.js';
import type { WorkerPool } from '../engine/render/worker-pool.js';
import type { BlobStorage } from '../storage/index.js';
import type { StoredTask, TaskOutput, TaskStore } from '../store/index.js';
import { inOffPeakWindow, type OffPeakWindow } from '../tasks/off-peak-window.js';
import { WATERMARK_INPUT } from '../tasks/task-service.js';
import type { RenderMetrics } from './render-metrics.js';

export interface LocalWorkerOptions {
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** Render threads, shared by every task this worker runs. */
  readonly pool: WorkerPool;
  /** Renders at once; each already uses every thread of the pool. */
  readonly concurrency?: number;
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  /** How often an idle worker looks for work it was not woken for (tasks from other processes, requeues). */
  readonly pollMs?: number;
  readonly ffmpegPath?: string;
  readonly clock?: () => Date;
  /** When off-peak tasks may run beside other work; outside it (or without one) only when this worker is idle. */
  readonly offPeakWindow?: OffPeakWindow | null;
  /** Render durations and failures, for /metrics. */
  readonly metrics?: RenderMetrics;
  /** Told of every failure that is not the task's own, for the logs. */
  readonly onError?: (error: unknown, task?: StoredTask) => void;
}

/**
 * Runs queued tasks inside the server process (the embedded mode): claims a task with a lease, renders it while
 * a heartbeat keeps the lease and reports progress, stores the outputs, and completes or fails the task. A
 * cancelled task's heartbeat finds the lease gone and aborts the render, which kills its ffmpeg. A server
 * killed mid-render leaves a lease that expires; the next start puts the task back in the queue.
 */
export class LocalWorker {
  readonly owner = `worker_${randomBytes(6).toString('hex')}`;
  readonly #options: LocalWorkerOptions;
  readonly #running = new Map<string, AbortController>();
  readonly #loops: Promise<void>[] = [];
  #stopping = false;
  #wake: (() => void) | null = null;

  constructor(options: LocalWorkerOptions) {
    this.#options = options;
  }

  start(): void {
    for (let i = 0; i < (this.#options.concurrency ?? 1); i++) this.#loops.push(this.#loop());
  }

  /** New work is queued: an idle loop looks now instead of at its next poll. */
  wake(): void {
    this.#wake?.();
  }

  /** Stops the render of a task that was cancelled through the API. */
  cancel(taskId: string): void {
    this.#running.get(taskId)?.abort(new Error('task cancelled'));
  }

  /** Stops taking work, aborts renders in flight (their leases expire and they are retried) and waits. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const controller of this.#running.values()) controller.abort(new Error('worker stopping'));
    this.wake();
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    const { store } = this.#options;
    while (!this.#stopping) {
      try {
        const now = this.#now();
        await store.requeueExpiredLeases({ now, maxAttempts: this.#options.maxAttempts ?? 3 });
        const task = await store.claimNextTask({
          owner: this.owner,
          leaseMs: this.#leaseMs(),
          now,
          includeOffPeak: this.#running.size === 0 || this.#inOffPeakWindow(now),
        });
        if (task) await this.runClaimed(task);
        else await this.#idle();
      } catch (error) {
        this.#options.onError?.(error);
        await this.#idle();
      }
    }
  }

  #inOffPeakWindow(now: Date): boolean {
    const window = this.#options.offPeakWindow;
    return window ? inOffPeakWindow(window, now) : false;
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#options.pollMs ?? 1000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  /**
   * Renders a task this worker's owner id already holds the lease of (claimed by its own loop or by a queue
   * consumer), heartbeating, storing outputs and completing or failing it; never throws for the task's own errors.
   */
  async runClaimed(task: StoredTask): Promise<void> {
    const { store } = this.#options;
    const controller = new AbortController();
    this.#running.set(task.id, controller);
    let progress = 0;
    const heartbeat = setInterval(() => {
      store
        .heartbeat(task.id, this.owner, { leaseMs: this.#leaseMs(), now: this.#now(), progress })
        .then((held) => {
          if (!held) controller.abort(new Error('lease lost'));
        })
        .catch((error: unknown) => this.#options.onError?.(error, task));
    }, this.#leaseMs() / 3);
    const dir = await mkdtemp(join(tmpdir(), 'inbetween-task-'));
    const started = performance.now();
    try {
      const output = await this.#render(task, dir, controller.signal, (fraction) => (progress = fraction));
      this.#options.metrics?.observe((performance.now() - started) / 1000);
      const completed = await store.completeTask(task.id, this.owner, output, this.#now());
      // Cancelled or lease lost while the outputs were being stored: they belong to no task.
      if (!completed.ok) await this.#options.storage.deleteMany([output.videoKey, output.coverKey]);
    } catch (error) {
      if (!controller.signal.aborted) {
        this.#options.metrics?.failed();
        const message = error instanceof Error ? error.message : String(error);
        await store.failTask(
          task.id,
          this.owner,
          { code: '002014012', message: `Video generation failed: ${message}` },
          this.#now(),
        );
        this.#options.onError?.(error, task);
      }
    } finally {
      clearInterval(heartbeat);
      this.#running.delete(task.id);
      await rm(dir, { recursive: true, force: true });
    }
  }

  async #render(
    task: StoredTask,
    dir: string,
    signal: AbortSignal,
    onProgress: (fraction: number) => void,
  ): Promise<TaskOutput & { videoKey: string; coverKey: string }> {
    const { storage } = this.#options;
    const isWatermark = (key: string): boolean => key.split('/').at(-1)!.startsWith(`${WATERMARK_INPUT}.`);
    const watermarkKey = task.inputKeys.find(isWatermark);
    const [start, end] = await Promise.all(
      task.inputKeys
        .filter((key) => !isWatermark(key))
        .map(async (key, i) => decodeImage(await readAll(storage, key), `images[${i}]`)),
    );
    const size =
      task.width !== null && task.height !== null
        ? { width: task.width, height: task.height }
        : outputSize(start.width / start.height, task.request.resolution);
    const fitted = await fitFrames({
      start,
      end: end ?? null,
      size,
      names: { start: 'images[0]', end: 'images[1]' },
    });
    const video = join(dir, 'video.mp4');
    const cover = join(dir, 'cover.jpg');
    const result = await renderVideo({
      start: fitted.start,
      end: fitted.end,
      output: video,
      cover,
      duration: task.durationSeconds,
      prompt: task.request.prompt,
      isRec: task.request.is_rec,
      movementAmplitude: task.request.movement_amplitude,
      seed: task.seed,
      signal,
      pool: this.#options.pool,
      onProgress: (p) => onProgress(p.fraction),
      bgm: task.request.bgm,
      watermark: task.request.watermark
        ? {
            position: task.request.wm_position as WatermarkPosition,
            ...(watermarkKey ? { image: await readAll(storage, watermarkKey) } : {}),
          }
        : null,
      metadata: aigcMetadata({ metaData: task.request.meta_data, producer: 'inbetween', produceId: task.id }),
      ...(this.#options.ffmpegPath ? { ffmpegPath: this.#options.ffmpegPath } : {}),
    });
    const videoKey = `tasks/${task.id}/video.mp4`;
    const coverKey = `tasks/${task.id}/cover.jpg`;
    await storage.putFile(videoKey, video);
    await storage.putFile(coverKey, cover);
    return {
      videoKey,
      coverKey,
      duration: result.duration,
      recommendedPrompt: result.recommendedPrompt,
      music: result.music?.preset ?? null,
    };
  }

  #leaseMs(): number {
    return this.#options.leaseMs ?? 30_000;
  }

  #now(): Date {
    return this.#options.clock?.() ?? new Date();
  }
}

async function readAll(storage: BlobStorage, key: string): Promise<Uint8Array> {
  const { stream } = await storage.open(key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
