import type { ApiError } from './api-error.js';
import { ERROR_CATALOGUE, isErrorCode, type ViduReason } from './error-catalogue.js';
import { MODEL_ID } from './generation-params.js';
import type { Micros } from './pricing.js';
import type { TaskStatus } from './task-status.js';

// Vidu's official API (https://platform.vidu.com/docs), the second front door: its names mapped onto the same
// tasks. Pure mappings only; the routes live in src/http/vidu/.

/**
 * Vidu's model names and the model id of this service that renders each. Every one is rendered by the backend
 * configured for that id; the Vidu name is kept on the task and echoed back.
 */
export const VIDU_MODELS: Readonly<Record<string, string>> = {
  'viduq2-pro': MODEL_ID,
  'viduq2-turbo': MODEL_ID,
  'viduq2-pro-fast': MODEL_ID,
  viduq1: MODEL_ID,
  'viduq1-classic': MODEL_ID,
  'vidu2.0': MODEL_ID,
  'vidu1.5': MODEL_ID,
};

/** Vidu's task states. */
export const VIDU_STATES = ['created', 'queueing', 'processing', 'success', 'failed'] as const;
export type ViduState = (typeof VIDU_STATES)[number];

/**
 * A task's state in Vidu's words. A pending task is `queueing` (the create answer alone says `created`); Vidu has
 * no cancelled state, so a cancelled task is `failed` with `err_code` `UserCancelled`, as Vidu reports it.
 */
export function viduState(status: TaskStatus): ViduState {
  switch (status) {
    case 'pending':
      return 'queueing';
    case 'processing':
      return 'processing';
    case 'completed':
      return 'success';
    case 'failed':
    case 'cancelled':
      return 'failed';
  }
}

/** The statuses a Vidu `states` filter selects (`created` and `queueing` are both pending here). */
export function statusesOfViduState(state: ViduState): TaskStatus[] {
  switch (state) {
    case 'created':
    case 'queueing':
      return ['pending'];
    case 'processing':
      return ['processing'];
    case 'success':
      return ['completed'];
    case 'failed':
      return ['failed', 'cancelled'];
  }
}

/** The `err_code` of a task: empty unless it failed; a cancelled task's is `UserCancelled`. */
export function viduErrCode(status: TaskStatus, errorCode: string | null): string {
  if (status === 'cancelled') return 'UserCancelled';
  if (status !== 'failed') return '';
  return isErrorCode(errorCode ?? '')
    ? ERROR_CATALOGUE[errorCode as keyof typeof ERROR_CATALOGUE].vidu.reason
    : 'InternalServiceFailure';
}

/**
 * Credits for a price: the configured rate of credits per USD times the USD price, rounded half up to a whole
 * credit (Vidu's `credits` is an integer).
 */
export function viduCredits(micros: Micros, creditsPerUsd: number): number {
  return Math.floor((micros * creditsPerUsd + 500_000) / 1_000_000);
}

/** Vidu's error body: `code` is the HTTP status, `reason` Vidu's name for the error. */
export interface ViduErrorBody {
  code: number;
  reason: ViduReason;
  message: string;
  metadata: { trace_id: string };
}

/**
 * An error in Vidu's shape with the status Vidu documents for its reason. A page size out of range is Vidu's own
 * `PageSizeOutOfRange`, which the catalogue's generic 002014010 cannot tell apart by code alone.
 */
export function viduErrorOf(error: ApiError, traceId: string): ViduErrorBody {
  const mapped = ERROR_CATALOGUE[error.code].vidu;
  const pager = error.code === '002014010' && error.param === 'pager.pagesz';
  return {
    code: pager ? 400 : mapped.status,
    reason: pager ? 'PageSizeOutOfRange' : mapped.reason,
    message: error.message,
    metadata: { trace_id: traceId },
  };
}
