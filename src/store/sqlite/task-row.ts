import { isTaskStatus } from '../../contract/index.js';
import type { ApiKeyRecord, StoredRequest, StoredTask } from '../task-store.js';
import type { UpstreamInfo } from '../upstream-attempts.js';

/** A `tasks` row as SQLite returns it. */
export interface TaskRow {
  id: string;
  key_id: string;
  model: string;
  status: string;
  progress: number;
  request: string;
  input_keys: string;
  seed: number;
  width: number | null;
  height: number | null;
  fps: number | null;
  frames: number | null;
  duration_seconds: number;
  cost_micros: number;
  discount: number;
  off_peak: number;
  callback_url: string | null;
  /** Null on rows written before migration 5 and in callback snapshots. */
  callback_signing_key: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  error_code: string | null;
  error_message: string | null;
  output_video_key: string | null;
  output_cover_key: string | null;
  output_duration: number | null;
  recommended_prompt: string | null;
  music: string | null;
  backend: string | null;
  upstream: string | null;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  updated_at: number;
  version: number;
}

/** An `api_keys` row as SQLite returns it. */
export interface KeyRow {
  id: string;
  name: string;
  secret_hash: string;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  balance_micros: number | null;
  webhook_secret: string;
  last_used_at: number | null;
  previous_webhook_secret: string | null;
  previous_webhook_secret_until: number | null;
}

/** The named parameters of a task row (booleans as 0/1, dates as milliseconds, JSON as text). */
export type TaskParams = Omit<TaskRow, 'status'> & { status: string };

/** A row read back as a task. */
export function taskFromRow(row: TaskRow): StoredTask {
  if (!isTaskStatus(row.status)) throw new Error(`Task ${row.id} has an unknown status ${row.status}`);
  return {
    id: row.id,
    keyId: row.key_id,
    model: row.model,
    status: row.status,
    progress: row.progress,
    request: JSON.parse(row.request) as StoredRequest,
    inputKeys: JSON.parse(row.input_keys) as string[],
    seed: row.seed,
    width: row.width,
    height: row.height,
    fps: row.fps,
    frames: row.frames,
    durationSeconds: row.duration_seconds,
    costMicros: row.cost_micros,
    discount: row.discount,
    offPeak: row.off_peak === 1,
    callbackUrl: row.callback_url,
    callbackSigningKey: row.callback_signing_key ?? null,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    outputVideoKey: row.output_video_key,
    outputCoverKey: row.output_cover_key,
    outputDuration: row.output_duration,
    recommendedPrompt: row.recommended_prompt,
    music: row.music,
    backend: row.backend,
    upstream: row.upstream === null ? null : (JSON.parse(row.upstream) as UpstreamInfo),
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toDate(row.lease_expires_at),
    createdAt: new Date(row.created_at),
    startedAt: toDate(row.started_at),
    completedAt: toDate(row.completed_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
  };
}

/** A task as the named parameters of the insert and update statements. */
export function taskToParams(task: StoredTask): TaskParams {
  return {
    id: task.id,
    key_id: task.keyId,
    model: task.model,
    status: task.status,
    progress: task.progress,
    request: JSON.stringify(task.request),
    input_keys: JSON.stringify(task.inputKeys),
    seed: task.seed,
    width: task.width,
    height: task.height,
    fps: task.fps,
    frames: task.frames,
    duration_seconds: task.durationSeconds,
    cost_micros: task.costMicros,
    discount: task.discount,
    off_peak: task.offPeak ? 1 : 0,
    callback_url: task.callbackUrl,
    callback_signing_key: task.callbackSigningKey,
    idempotency_key: task.idempotencyKey,
    request_hash: task.requestHash,
    error_code: task.errorCode,
    error_message: task.errorMessage,
    output_video_key: task.outputVideoKey,
    output_cover_key: task.outputCoverKey,
    output_duration: task.outputDuration,
    recommended_prompt: task.recommendedPrompt,
    music: task.music,
    backend: task.backend,
    upstream: task.upstream === null ? null : JSON.stringify(task.upstream),
    attempts: task.attempts,
    lease_owner: task.leaseOwner,
    lease_expires_at: task.leaseExpiresAt?.getTime() ?? null,
    created_at: task.createdAt.getTime(),
    started_at: task.startedAt?.getTime() ?? null,
    completed_at: task.completedAt?.getTime() ?? null,
    updated_at: task.updatedAt.getTime(),
    version: task.version,
  };
}

/** A row read back as a key. */
export function keyFromRow(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    prefix: row.prefix,
    createdAt: new Date(row.created_at),
    revokedAt: toDate(row.revoked_at),
    balanceMicros: row.balance_micros,
    webhookSecret: row.webhook_secret,
    lastUsedAt: toDate(row.last_used_at),
    previousWebhookSecret:
      row.previous_webhook_secret !== null && row.previous_webhook_secret_until !== null
        ? { secret: row.previous_webhook_secret, until: new Date(row.previous_webhook_secret_until) }
        : null,
  };
}

/** A key as named parameters. */
export function keyToParams(key: ApiKeyRecord): KeyRow {
  return {
    id: key.id,
    name: key.name,
    secret_hash: key.secretHash,
    prefix: key.prefix,
    created_at: key.createdAt.getTime(),
    revoked_at: key.revokedAt?.getTime() ?? null,
    balance_micros: key.balanceMicros,
    webhook_secret: key.webhookSecret,
    last_used_at: key.lastUsedAt?.getTime() ?? null,
    previous_webhook_secret: key.previousWebhookSecret?.secret ?? null,
    previous_webhook_secret_until: key.previousWebhookSecret?.until.getTime() ?? null,
  };
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
