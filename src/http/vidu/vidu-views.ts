import {
  viduCredits,
  viduErrCode,
  viduState,
  type TaskObject,
  type ViduState,
} from '../../contract/index.js';
import type { StoredTask } from '../../store/index.js';

// The same tasks in Vidu's shapes (https://platform.vidu.com/docs): pure functions from the stored task and its
// task object (which carries the signed output URLs) to what Vidu's endpoints answer.

/** One generated video as Vidu lists it. */
export interface ViduCreation {
  id: string;
  url: string;
  cover_url: string;
}

/** `GET /ent/v2/tasks/{id}/creations`, and the body of a Vidu-signed callback. */
export interface ViduCreationsView {
  id: string;
  state: ViduState;
  err_code: string;
  credits: number;
  payload: string;
  bgm: boolean;
  off_peak: boolean;
  creations: ViduCreation[];
  created_at: string;
}

/** The Vidu model name of a task: the one asked for on /ent/v2, else the Vidu name of the seed's model. */
export function viduModelOf(task: StoredTask): string {
  return task.request.vidu?.model ?? 'viduq2-pro';
}

/** Credits a task costs in Vidu's terms; a failed or cancelled task was refunded, so 0. */
export function creditsOf(task: StoredTask, creditsPerUsd: number): number {
  if (task.status === 'failed' || task.status === 'cancelled') return 0;
  return viduCredits(task.costMicros, creditsPerUsd);
}

function creationsOf(object: TaskObject): ViduCreation[] {
  const content = object.output?.[0]?.content ?? [];
  return content.map((video, index) => ({
    id: `${object.id}_${index + 1}`,
    url: video.url,
    cover_url: video.cover_url ?? '',
  }));
}

/** The task as `GET /ent/v2/tasks/{id}/creations` answers it. */
export function viduCreationsView(
  task: StoredTask,
  object: TaskObject,
  creditsPerUsd: number,
): ViduCreationsView {
  return {
    id: task.id,
    state: viduState(task.status),
    err_code: viduErrCode(task.status, task.errorCode),
    credits: creditsOf(task, creditsPerUsd),
    payload: task.request.payload,
    bgm: task.request.bgm,
    off_peak: task.request.off_peak,
    creations: creationsOf(object),
    created_at: task.createdAt.toISOString(),
  };
}

/**
 * The create answer: the task id, `state: "created"`, the parameters as they will be used (the seed actually
 * drawn, defaults filled in), the credits and the creation time. `images` are echoed as they were sent.
 */
export function viduCreateAnswer(
  task: StoredTask,
  images: readonly unknown[],
  creditsPerUsd: number,
): Record<string, unknown> {
  const { request } = task;
  return {
    task_id: task.id,
    state: 'created',
    model: viduModelOf(task),
    images,
    prompt: request.prompt,
    is_rec: request.is_rec,
    duration: request.duration,
    seed: task.seed,
    resolution: request.resolution,
    movement_amplitude: request.movement_amplitude,
    bgm: request.bgm,
    payload: request.payload,
    off_peak: request.off_peak,
    watermark: request.watermark,
    wm_position: request.wm_position,
    ...(request.wm_url ? { wm_url: request.wm_url } : {}),
    ...(request.meta_data ? { meta_data: request.meta_data } : {}),
    ...(request.callback_url ? { callback_url: request.callback_url } : {}),
    credits: creditsOf(task, creditsPerUsd),
    created_at: task.createdAt.toISOString(),
  };
}

/** One task of `GET /ent/v2/tasks`. */
export function viduListedTask(
  task: StoredTask,
  object: TaskObject,
  creditsPerUsd: number,
): Record<string, unknown> {
  const view = viduCreationsView(task, object, creditsPerUsd);
  return {
    id: task.id,
    key_id: task.keyId,
    model: viduModelOf(task),
    prompt: task.request.prompt,
    duration: task.request.duration,
    resolution: task.request.resolution,
    ...(task.width && task.height ? { aspect_ratio: aspectRatio(task.width, task.height) } : {}),
    state: view.state,
    err_code: view.err_code,
    credits: view.credits,
    payload: view.payload,
    bgm: view.bgm,
    off_peak: view.off_peak,
    creations: view.creations,
    created_at: view.created_at,
  };
}

function aspectRatio(width: number, height: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height);
  return `${width / d}:${height / d}`;
}
