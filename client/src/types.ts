// Copies of the server's wire shapes (src/contract/), so this package can be published on its own.

/** The only model the service implements. */
export const MODEL_ID = 'viduq2_pro_start_end2video';

/** A task's state; `completed`, `failed` and `cancelled` are final. */
export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** Output resolution. */
export type Resolution = '540p' | '720p' | '1080p';

/** Camera movement strength. */
export type MovementAmplitude = 'auto' | 'small' | 'medium' | 'large';

/** `metadata` of a task: what was asked and what was made. */
export interface TaskMetadata {
  /** The seed actually used (a random one when 0 or none was sent). */
  seed: number;
  prompt: string;
  recommended_prompt?: string;
  is_rec: boolean;
  resolution: Resolution;
  width?: number;
  height?: number;
  fps?: number;
  frames?: number;
  duration: number;
  movement_amplitude: MovementAmplitude;
  bgm: boolean;
  bgm_preset?: string;
  watermark: boolean;
  wm_position: number;
  wm_url?: string;
  off_peak: boolean;
  payload: string;
  meta_data?: string;
}

/** One generated video. */
export interface TaskVideoContent {
  type: 'video';
  /** A signed URL that expires. */
  url: string;
  /** Seconds, as a string ("5"), the hosted API's type. */
  duration: string;
  cover_url?: string;
}

/** The task object the API answers. Optional members are absent, never null. */
export interface TaskObject {
  id: string;
  model: string;
  status: TaskStatus;
  /** 0..1. */
  progress: number;
  /** Integer Unix seconds. */
  created_at: number;
  /** Once a worker started it; integer Unix seconds. */
  started_at?: number;
  /** Once it is completed, failed or cancelled; integer Unix seconds. */
  completed_at?: number;
  /** Only when failed or cancelled; `error_message` repeats `message`. */
  error?: { code: string; message: string; error_message: string };
  /** Only when completed. */
  output?: { content: TaskVideoContent[] }[];
  /** Only when completed; `cost` is a USD string. */
  usage?: { cost: string; discount: number };
  metadata: TaskMetadata;
}

/** The parameters of a create (or sync, or precharge) request; the server fills in the defaults. */
export interface GenerationParams {
  /** Defaults to {@link MODEL_ID}. */
  model?: string;
  /** Start frame, then end frame: http(s) URLs or `data:image/<png|jpeg|jpg|webp>;base64,...` URIs. */
  images: string[];
  /** At most 2000 characters; ignored when `is_rec` is true. */
  prompt?: string;
  is_rec?: boolean;
  /** Seconds, 1..8 (default 5). */
  duration?: number;
  /** 0..2^32-1; 0 or absent picks one at random. */
  seed?: number;
  /** Default 720p. */
  resolution?: Resolution;
  /** Default auto. */
  movement_amplitude?: MovementAmplitude;
  bgm?: boolean;
  /** Pass-through, returned in `metadata.payload`. */
  payload?: string;
  off_peak?: boolean;
  watermark?: boolean;
  /** 1 top-left, 2 top-right, 3 bottom-right (default), 4 bottom-left. */
  wm_position?: number;
  wm_url?: string;
  /** A JSON object as a string. */
  meta_data?: string;
  /** Receives the task object, signed the Standard Webhooks way, on every status change. */
  callback_url?: string;
}

/** A page of {@link TaskObject}s, newest first. */
export interface TaskPage {
  tasks: TaskObject[];
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
}

/** What a request would cost, from `precharge`. */
/** The calling key's money, USD strings. */
export interface Account {
  key_id: string;
  name: string;
  /** What is left to spend; null = unlimited. */
  balance: string | null;
  /** Reserved by unfinished tasks. */
  held: string;
  spent: string;
}

/** What a request would cost: the `data` of precharge's `{"status": "success", "data": {...}}`. */
export interface Quote {
  model: string;
  original_model: string;
  billing_model: string;
  sample_count: number;
  /** USD string. */
  cost: string;
  currency: string;
  discount: number;
  /** A digest of the priced parameters: the same for requests that cost the same for the same reasons. */
  hash: string;
  /** The price table's version, ms since the epoch. */
  updated_at: number;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; error_message?: string; param?: string };
  request_id?: string;
}

/** One event of a task's event stream. */
export type TaskStreamEvent =
  | { event: 'progress'; id: string; data: TaskObject }
  | { event: 'done'; id: string; data: TaskObject }
  | { event: 'error'; id: string; data: ErrorBody };

/** Whether a task will never change again. */
export function isFinalStatus(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** One attempt at delivering a callback. */
export interface CallbackAttempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  /** The receiver's HTTP status; null when there was none (timeout, refused address, connection error). */
  status: number | null;
  error: string | null;
}

/** One callback of a task: a status change POSTed to its callback_url, under one webhook-id. */
export interface CallbackDelivery {
  webhook_id: string;
  /** The status the task moved into. */
  event: TaskStatus;
  url: string;
  /** pending: still being tried; delivered: a 2xx came back; failed: the retries ran out. */
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_status: number | null;
  last_error: string | null;
  attempt_log: CallbackAttempt[];
}
