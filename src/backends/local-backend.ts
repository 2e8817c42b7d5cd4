import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, fitFrames, outputSize } from '../engine/input/index.js';
import { aigcMetadata } from '../engine/label/aigc-label.js';
import type { WatermarkPosition } from '../engine/overlay/index.js';
import { renderVideo } from '../engine/render/render-video.js';
import type { WorkerPool } from '../engine/render/worker-pool.js';
import type { BlobStorage } from '../storage/index.js';
import type { Backend, RenderJob, RenderResult } from './backend.js';

/** Options of {@link LocalBackend}. */
export interface LocalBackendOptions {
  readonly storage: BlobStorage;
  /** Render threads, shared by every render of this process. */
  readonly pool: WorkerPool;
  readonly ffmpegPath?: string;
  /** The decoded-pixel ceiling of INBETWEEN_MAX_IMAGE_PIXELS, applied again here: decoding is where bombs go off. */
  readonly maxImagePixels?: number;
}

/** The CPU engine as a backend: decode, fit, interpolate, encode into a scratch folder, then into storage. */
export class LocalBackend implements Backend {
  readonly name = 'local';
  readonly #options: LocalBackendOptions;

  constructor(options: LocalBackendOptions) {
    this.#options = options;
  }

  async render(job: RenderJob): Promise<RenderResult> {
    const dir = await mkdtemp(join(tmpdir(), 'inbetween-task-'));
    try {
      return await this.#render(job, dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async #render(job: RenderJob, dir: string): Promise<RenderResult> {
    const { task } = job;
    const limits = this.#options.maxImagePixels ? { maxPixels: this.#options.maxImagePixels } : {};
    const [start, end] = await Promise.all(
      job.images.map((image, i) => decodeImage(image.bytes, `images[${i}]`, limits)),
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
      signal: job.signal,
      pool: this.#options.pool,
      onProgress: (p) => job.onProgress(p.fraction),
      bgm: task.request.bgm,
      watermark: task.request.watermark
        ? {
            position: task.request.wm_position as WatermarkPosition,
            ...(job.watermark ? { image: job.watermark.bytes } : {}),
          }
        : null,
      metadata: aigcMetadata({ metaData: task.request.meta_data, producer: 'inbetween', produceId: task.id }),
      ...(this.#options.ffmpegPath ? { ffmpegPath: this.#options.ffmpegPath } : {}),
    });
    await this.#options.storage.putFile(job.outputKeys.video, video);
    await this.#options.storage.putFile(job.outputKeys.cover, cover);
    return {
      backend: this.name,
      videoKey: job.outputKeys.video,
      coverKey: job.outputKeys.cover,
      duration: result.duration,
      recommendedPrompt: result.recommendedPrompt,
      music: result.music?.preset ?? null,
    };
  }
}
