import { planCamera, type CameraPlan, type MovementAmplitude } from '../camera/camera-plan.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseMusic, footageFeatures, synthesizeMusic, writeWav, type MusicChoice } from '../audio/index.js';
import { openEncoder, writeCoverJpeg } from '../encode/index.js';
import {
  applyWatermark,
  applyWatermarkRgb,
  prepareWatermark,
  type Watermark,
  type WatermarkPosition,
} from '../overlay/index.js';
import type { RgbImage } from '../raster/types.js';
import { resolveSeed, seededRandom } from '../seed.js';
import { recommendPrompt } from '../prompt/index.js';
import { analysePair } from './analyse-pair.js';
import type { RenderJob } from './render-worker.js';
import type { Scene, SceneFormat } from './scene.js';
import { fieldMotion } from '../synth/field-motion.js';
import { rgbToYuv420, type Yuv420Image } from '../synth/yuv420.js';
import { runCount, runTimes } from './scene-run.js';
import { sharedMotion, sharedRgb } from './shared-copy.js';
import { WorkerPool } from './worker-pool.js';

export const FPS = 24;

export interface RenderProgress {
  readonly phase: 'analyse' | 'frames';
  /** 0..1 over the whole render. */
  readonly fraction: number;
  readonly framesDone: number;
  readonly frames: number;
}

export interface RenderVideoOptions {
  /** Start keyframe, already fitted to the output size. */
  readonly start: RgbImage;
  /** End keyframe fitted to the same size, or null for image-to-video. */
  readonly end: RgbImage | null;
  /** Path of the MP4 to write. */
  readonly output: string;
  /** Path of the cover JPEG; none when absent. */
  readonly cover?: string;
  /** Whole seconds, 1..8. */
  readonly duration: number;
  readonly prompt?: string;
  readonly movementAmplitude?: MovementAmplitude;
  /** 0 or absent picks a random seed; the one used is in the result. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RenderProgress) => void;
  /** A pool shared across renders (a server); a private one is made and closed otherwise. */
  readonly pool?: WorkerPool;
  /** Worker threads of a private pool. */
  readonly threads?: number;
  readonly ffmpegPath?: string;
  /** Container metadata written into the MP4 (key -> value). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** is_rec: write the prompt from the frames and use it instead of `prompt` (it is in the result). */
  readonly isRec?: boolean;
  /** Background music chosen from the footage and the seed, fitted to the clip, AAC in the MP4. */
  readonly bgm?: boolean;
  /** A mark on every frame and the cover: the "AI Generated" text, or `image` (png/jpeg/webp bytes). */
  readonly watermark?: { readonly position: WatermarkPosition; readonly image?: Uint8Array } | null;
}

export interface RenderResult {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: number;
  readonly duration: number;
  readonly camera: CameraPlan;
  /** Median motion between the keyframes as a fraction of the diagonal (0 for one image). */
  readonly pairMotion: number;
  readonly output: string;
  readonly bytes: number;
  /** The music chosen when `bgm` was asked for, and why. */
  readonly music: MusicChoice | null;
  /** The prompt written from the frames when `isRec` was asked for. */
  readonly recommendedPrompt: string | null;
}

/**
 * Runs of frames kept in flight per worker: one being drawn and one waiting keep every thread and the encoder
 * busy; at 1080p that is 2 x 5 frames of 3.1 MB per thread.
 */
const RUNS_IN_FLIGHT_PER_THREAD = 2;
/** Share of the progress bar given to measuring motion, which happens before the first frame. */
const ANALYSE_SHARE = 0.1;

/**
 * Renders a clip: measures the keyframes' motion once (both flow directions in parallel), plans the camera,
 * then draws the frames on worker threads and streams them, in order and with backpressure, into ffmpeg. At
 * most a few frames exist at a time, whatever the clip's length. Aborting the signal stops the workers' queue,
 * kills ffmpeg and removes the partial file.
 */
export async function renderVideo(options: RenderVideoOptions): Promise<RenderResult> {
  const { start, signal } = options;
  signal?.throwIfAborted();
  checkRenderInput(options);
  const seed = resolveSeed(options.seed);
  const frames = Math.round(options.duration * FPS);
  const pool = options.pool ?? new WorkerPool(options.threads);
  const temporary: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'inbetween-render-'));
    temporary.push(dir);
    return dir;
  };
  const report = (phase: RenderProgress['phase'], framesDone: number): void =>
    options.onProgress?.({
      phase,
      framesDone,
      frames,
      fraction: phase === 'analyse' ? 0 : ANALYSE_SHARE + (1 - ANALYSE_SHARE) * (framesDone / frames),
    });
  try {
    report('analyse', 0);
    const prepared = await prepareScene({ ...options, seed, pool });
    const { scene, camera, pairMotion, recommendedPrompt } = prepared;
    signal?.throwIfAborted();
    const watermark = options.watermark
      ? await prepareWatermark({
          frameWidth: start.width,
          frameHeight: start.height,
          position: options.watermark.position,
          ...(options.watermark.image ? { image: options.watermark.image } : {}),
        })
      : null;
    const music = options.bgm
      ? await writeMusic({
          frames: options.end ? [start, options.end] : [start],
          pairMotion,
          seed,
          duration: frames / FPS,
          dir: await tempDir(),
        })
      : null;
    report('frames', 0);
    const encoder = openEncoder({
      ...(music ? { audio: { path: music.path } } : {}),
      width: start.width,
      height: start.height,
      fps: FPS,
      output: options.output,
      pixelFormat: 'yuv420p',
      threads: encoderThreads(),
      ...(signal ? { signal } : {}),
      ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
    });
    try {
      await streamFrames({
        pool,
        scene,
        coverImage: watermark ? withWatermark(start, watermark) : start,
        watermark,
        frames,
        signal,
        encoder,
        cover: options.cover,
        onFrame: (done) => report('frames', done),
      });
    } catch (error) {
      // A failed frame or cover must not leave ffmpeg waiting on its input, nor a partial file behind.
      await encoder.cancel(error);
      throw error;
    }
    const encoded = await encoder.finish();
    return {
      seed,
      width: start.width,
      height: start.height,
      fps: FPS,
      frames,
      duration: frames / FPS,
      camera,
      pairMotion,
      output: options.output,
      bytes: encoded.bytes,
      music: music ? { preset: music.preset, reason: music.reason } : null,
      recommendedPrompt,
    };
  } finally {
    if (!options.pool) await pool.close();
    await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/**
 * x264's threads: one per two cores. The render threads already fill every core, and x264 left to choose
 * starts 1.5 frame threads per core plus lookahead, which on two cores costs ~20% more CPU for the same encode
 * (1.74 s against 2.11 s for 120 frames at 720p, veryfast) and only competes with the drawing.
 */
function encoderThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/** Chooses, synthesizes and writes the music track as a WAV for the encoder (our own audio, never a user's). */
async function writeMusic(input: {
  frames: readonly RgbImage[];
  pairMotion: number;
  seed: number;
  duration: number;
  dir: string;
}): Promise<MusicChoice & { path: string }> {
  const choice = chooseMusic(footageFeatures(input.frames, input.pairMotion, input.seed));
  const pcm = synthesizeMusic({ preset: choice.preset, seed: input.seed, duration: input.duration });
  const path = join(input.dir, 'music.wav');
  await writeWav(pcm, path);
  return { ...choice, path };
}

/** The cover shows the first frame as the video does: the start keyframe with the mark on it. */
function withWatermark(image: RgbImage, watermark: Watermark): RgbImage {
  const marked = { width: image.width, height: image.height, data: image.data.slice() };
  applyWatermarkRgb(marked, watermark);
  return marked;
}

function checkRenderInput({ start, end, duration }: RenderVideoOptions): void {
  if (!Number.isInteger(duration) || duration < 1 || duration > 8) {
    throw new RangeError(`Expected an integer 1..8 for duration but received ${String(duration)}`);
  }
  if (start.width % 2 !== 0 || start.height % 2 !== 0) {
    throw new RangeError(
      `Expected even frame sides for H.264 yuv420p but received ${start.width}x${start.height}`,
    );
  }
  if (end && (end.width !== start.width || end.height !== start.height)) {
    throw new RangeError(
      `Expected the end frame fitted to ${start.width}x${start.height} but received ${end.width}x${end.height}`,
    );
  }
}

export interface PrepareSceneOptions {
  readonly start: RgbImage;
  readonly end: RgbImage | null;
  readonly prompt?: string;
  readonly movementAmplitude?: MovementAmplitude;
  /** Already resolved: a concrete seed, not 0. */
  readonly seed: number;
  readonly pool: FramePool;
  /** Write the prompt from the frames (is_rec) and use it instead of `prompt`. */
  readonly isRec?: boolean;
  /** Layout of the frames drawn; yuv420p (default) is what the encoder takes. */
  readonly format?: SceneFormat;
}

export interface PreparedScene {
  readonly scene: Scene;
  readonly camera: CameraPlan;
  readonly pairMotion: number;
  /** The prompt written from the frames when `isRec` was asked for. */
  readonly recommendedPrompt: string | null;
}

/**
 * Everything before the first frame: the keyframes' motion (both flow directions on the pool at once), the
 * camera plan from the prompt, amplitude, motion and seed, and the scene copied into shared memory.
 */
export async function prepareScene(options: PrepareSceneOptions): Promise<PreparedScene> {
  const { start, end, pool } = options;
  const measuring = end
    ? analysePair(start, end, {
        runFlow: (from, to, flowOptions) =>
          pool.run({ type: 'flow', from, to, options: flowOptions } satisfies RenderJob),
      })
    : Promise.resolve(null);
  // While the worker threads measure the flow, this thread writes the recommended prompt (is_rec), which the
  // spec says replaces the given one; its camera words then drive the camera layer.
  const recommendedPrompt = options.isRec ? recommendPrompt({ start, end, seed: options.seed }).prompt : null;
  // And converts the keyframes to the drawing's format, which would otherwise keep the workers waiting after.
  const format = options.format ?? 'yuv420p';
  const keyframe = (image: RgbImage): RgbImage | Yuv420Image =>
    format === 'yuv420p' ? rgbToYuv420(image, true) : sharedRgb(image);
  const startFrame = keyframe(start);
  const endFrame = end ? keyframe(end) : startFrame;
  const analysis = await measuring;
  const pairMotion = analysis?.pairMotion ?? 0;
  const camera = planCamera({
    prompt: recommendedPrompt ?? options.prompt ?? '',
    amplitude: options.movementAmplitude ?? 'auto',
    singleImage: end === null,
    pairMotion,
    choice: seededRandom(options.seed)(),
  });
  const scene: Scene = {
    format,
    start: startFrame,
    end: endFrame,
    motion: analysis ? sharedMotion(fieldMotion(analysis.motion)) : null,
    camera,
  };
  return { scene, camera, pairMotion, recommendedPrompt };
}

/** What frame drawing needs of a worker pool (the real one, or one wrapped to observe it). */
export type FramePool = Pick<WorkerPool, 'size' | 'run'>;

interface StreamFramesInput {
  readonly pool: FramePool;
  readonly scene: Scene;
  readonly frames: number;
  readonly signal: AbortSignal | undefined;
  readonly encoder: { write(frame: Uint8Array): Promise<void> };
  readonly cover: string | undefined;
  /** The first frame as RGB, for the cover: every clip starts on its start keyframe exactly. */
  readonly coverImage: RgbImage;
  readonly watermark: Watermark | null;
  readonly onFrame: (done: number) => void;
}

async function streamFrames(input: StreamFramesInput): Promise<void> {
  const { scene, encoder } = input;
  let done = 0;
  // Frames the encoder has taken go back to the workers to be drawn over: no frame memory is allocated past
  // the first few frames, which spares every thread the garbage collection of ~1.4 MB a frame at 720p.
  const spent: Uint8Array[] = [];
  for await (const frame of generateFrames(input.pool, scene, input.frames, input.signal, spent)) {
    if (done === 0 && input.cover) await writeCoverJpeg(input.coverImage, input.cover);
    // The mark goes on after drawing, so the endpoints stay the keyframes under it and frames stay comparable.
    if (input.watermark) applyWatermark(frame, scene.start.width, scene.start.height, input.watermark);
    // Resolves once the pipe has taken the whole frame, so the buffer is free again.
    await encoder.write(frame);
    spent.push(frame);
    input.onFrame(++done);
  }
}

/**
 * Yields a clip's frames in order while the pool draws the next few runs ahead (consecutive frames a job,
 * see scene-run.ts): at most `pool.size * RUNS_IN_FLIGHT_PER_THREAD` runs exist at once, whatever the
 * clip's length, and a slow consumer (the encoder's backpressure) pauses drawing. A consumer done with a yielded
 * frame may push it onto `spent`: a later frame is then drawn into it (it is transferred to a worker, so it
 * must not be read again).
 */
export async function* generateFrames(
  pool: FramePool,
  scene: Scene,
  frames: number,
  signal?: AbortSignal,
  spent: Uint8Array[] = [],
): AsyncGenerator<Uint8Array> {
  const runs = runCount(frames);
  const window = pool.size * RUNS_IN_FLIGHT_PER_THREAD;
  const pending = new Map<number, Promise<Uint8Array[]>>();
  let next = 0;
  for (let r = 0; r < runs; r++) {
    while (next < runs && next < r + window) {
      const ts = runTimes(next, frames);
      const outs = spent.splice(0, ts.length);
      const transfer = outs.flatMap((out) => (out.buffer instanceof ArrayBuffer ? [out.buffer] : []));
      const job = pool.run<Uint8Array[]>(
        { type: 'frames', scene, ts, ...(outs.length > 0 ? { outs } : {}) } satisfies RenderJob,
        transfer,
      );
      // Awaited in order below; this keeps a later run's failure from surfacing as an unhandled rejection first.
      job.catch(() => undefined);
      pending.set(next, job);
      next++;
    }
    const run = await pending.get(r)!;
    pending.delete(r);
    for (const frame of run) {
      signal?.throwIfAborted();
      yield frame;
    }
  }
}
