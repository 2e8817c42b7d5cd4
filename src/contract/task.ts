import { ERROR_CATALOGUE } from './error-catalogue.js';
import type { MovementAmplitude, Resolution } from './generation-params.js';
import type { GenerationRequest } from './generation-request.js';
import { isTerminal, type TaskStatus } from './task-status.js';

/** `metadata` of a task: what was asked and what was made. */
export interface TaskMetadata {
  /** The seed actually used (never 0: a random one is picked at create time). */
  seed: number;
  prompt: string;
  /** Only when `is_rec` produced one. */
  recommended_prompt?: string;
  is_rec: boolean;
  resolution: Resolution;
  /** Output size, once the start frame is known. */
  width?: number;
  height?: number;
  fps?: number;
  frames?: number;
  duration: number;
  movement_amplitude: MovementAmplitude;
  bgm: boolean;
  /** The generated music preset used when `bgm` was on (once rendered). */
  bgm_preset?: string;
  watermark: boolean;
  wm_position: number;
  wm_url?: string;
  off_peak: boolean;
  payload: string;
  /** The caller's JSON label text, when one was sent. */
  meta_data?: string;
  /** Which backend renders (rendered) the task: `local`, `vidu`, `gateway`; once one is chosen. */
  backend?: string;
  /** The provider's task, for one rendered upstream: provider, its task id and model, what it charged. */
  upstream?: { provider: string; task_id: string; model: string; credits?: number; cost?: string };
}

/** One generated video as the store keeps it. */
export interface TaskVideo {
  url: string;
  /** Seconds. */
  duration: number;
  coverUrl?: string;
}

/** A task as the store holds it; {@link toTaskObject} turns it into what the API answers. */
export interface TaskRecord {
  id: string;
  model: string;
  status: TaskStatus;
  /** 0..1. */
  progress: number;
  createdAt: Date;
  startedAt?: Date | null;
  completedAt?: Date | null;
  error?: { code: string; message: string } | null;
  videos?: readonly TaskVideo[] | null;
  usage?: { cost: string; discount: number } | null;
  metadata: TaskMetadata;
}

/** The task object of the API (DESIGN.md section 1). Optional members are absent, never null. */
export interface TaskObject {
  id: string;
  model: string;
  status: TaskStatus;
  progress: number;
  /** Integer Unix seconds: the hosted gateway's typed clients decode it as int64 and reject anything else. */
  created_at: number;
  /** Once a worker started it (not while pending); integer Unix seconds. */
  started_at?: number;
  /** Once it is completed, failed or cancelled; integer Unix seconds. */
  completed_at?: number;
  /** Only when failed or cancelled; `error_message` repeats `message` for clients that read only that. */
  error?: { code: string; message: string; error_message: string };
  /** Only when completed. */
  output?: { content: TaskContent[] }[];
  /** Only when completed (the spec's rule; failed and cancelled tasks are refunded). */
  usage?: { cost: string; discount: number };
  metadata: TaskMetadata;
}

/** One generated video in a task's `output`; `duration` is a string ("5") as the hosted API sends it. */
export interface TaskContent {
  type: 'video';
  url: string;
  duration: string;
  cover_url?: string;
}

/** A date as the task object carries it: whole Unix seconds. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * The API's task object for a stored task, applying the spec's "only present when" rules: `error` only when
 * failed or cancelled (a failed task without a stored error gets the generic 002014012), `output` and `usage`
 * only when completed, `started_at` not while pending, `completed_at` only in a final state. Absent members and
 * empty metadata fields are left out rather than sent as null.
 */
export function toTaskObject(record: TaskRecord): TaskObject {
  const { status } = record;
  // Members in the documented order, metadata last.
  const task: Omit<TaskObject, 'metadata'> = {
    id: record.id,
    model: record.model,
    status,
    progress: status === 'completed' ? 1 : clamp01(record.progress),
    created_at: unixSeconds(record.createdAt),
  };
  if (status !== 'pending' && record.startedAt) task.started_at = unixSeconds(record.startedAt);
  if (isTerminal(status) && record.completedAt) task.completed_at = unixSeconds(record.completedAt);
  if (status === 'failed' || status === 'cancelled') {
    const error = record.error ?? (status === 'failed' ? genericFailure() : undefined);
    if (error) task.error = { code: error.code, message: error.message, error_message: error.message };
  }
  if (status === 'completed') {
    if (record.videos && record.videos.length > 0) task.output = [{ content: record.videos.map(toContent) }];
    if (record.usage) task.usage = { cost: record.usage.cost, discount: record.usage.discount };
  }
  return { ...task, metadata: withoutEmpty(record.metadata) };
}

/**
 * The create-time metadata of a request: what was asked, with the seed actually used. Render facts (size, fps,
 * frames, recommended prompt) are added as they become known.
 */
export function taskMetadataFromRequest(request: GenerationRequest, seed: number): TaskMetadata {
  const metadata: TaskMetadata = {
    seed,
    prompt: request.prompt,
    is_rec: request.is_rec,
    resolution: request.resolution,
    duration: request.duration,
    movement_amplitude: request.movement_amplitude,
    bgm: request.bgm,
    watermark: request.watermark,
    wm_position: request.wm_position,
    off_peak: request.off_peak,
    payload: request.payload,
  };
  if (request.wm_url !== null) metadata.wm_url = request.wm_url;
  if (request.meta_data !== null) metadata.meta_data = request.meta_data;
  return metadata;
}

function genericFailure(): { code: string; message: string } {
  return { code: '002014012', message: ERROR_CATALOGUE['002014012'].meaning };
}

function toContent(video: TaskVideo): TaskContent {
  const content: TaskContent = { type: 'video', url: video.url, duration: formatSeconds(video.duration) };
  if (video.coverUrl) content.cover_url = video.coverUrl;
  return content;
}

// Whole seconds print without a fraction ("5"), others with at most three decimals ("4.042").
function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

// A store may hand back nulls for unknown render facts; the API leaves them out.
function withoutEmpty(metadata: TaskMetadata): TaskMetadata {
  return Object.fromEntries(
    Object.entries(metadata).filter(([, value]) => value !== undefined && value !== null),
  ) as unknown as TaskMetadata;
}
