/** The API's shapes as the pages read them (DESIGN.md section 1); fields the pages do not use are left out. */

export type TaskStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface VideoContent {
  type: 'video';
  url: string;
  /** Seconds as a string ("5"), the hosted API's type. */
  duration: string;
  cover_url?: string;
}

export interface TaskObject {
  id: string;
  model: string;
  status: TaskStatus;
  progress: number;
  /** Integer Unix seconds (the hosted API's type), as are started_at and completed_at. */
  created_at: number;
  started_at?: number | null;
  completed_at?: number | null;
  error?: { code: string; message: string; error_message?: string } | null;
  output?: { content: VideoContent[] }[] | null;
  usage?: { cost: string; discount: number } | null;
  metadata?: {
    seed?: number;
    prompt?: string;
    recommended_prompt?: string | null;
    resolution?: string;
    width?: number;
    height?: number;
    duration?: number;
    [field: string]: unknown;
  };
}

export interface TaskPage {
  tasks: TaskObject[];
  next_cursor: string | null;
}

/** `POST /model/v1/generation/precharge`: the quote in the hosted API's envelope. */
export interface PrechargeAnswer {
  status: 'success';
  data: { model: string; cost: string; currency: string; discount: number; hash: string; updated_at: number };
}

/** An API key as /admin/v1/keys lists it; the money fields are absent on servers without balances. */
export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at?: string | null;
  /** USD; null for an unlimited key. */
  balance?: string | null;
  held?: string;
  spent?: string;
}

/** The create answer: the only time the secrets are shown. */
export interface CreatedKey extends KeyView {
  key: string;
  webhook_secret?: string;
}

/** `POST /admin/v1/keys/{id}/rotate-webhook-secret`: the only time the new webhook secret is shown. */
export interface RotatedKey extends KeyView {
  webhook_secret: string;
  /** ISO time until which callbacks also carry a signature by the old secret. */
  previous_webhook_secret_valid_until: string;
}

/** `GET /model/v1/account`: the calling key's own money. */
export interface Account {
  key_id: string;
  name: string;
  /** USD; null for an unlimited key. */
  balance: string | null;
  held: string;
  spent: string;
}

export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export interface LedgerEntry {
  id: number;
  kind: 'top_up' | 'hold' | 'charge' | 'refund';
  /** USD, always positive; the kind says which way it moved. */
  amount: string;
  task_id: string | null;
  created_at: string;
}

/** `GET /admin/v1/keys/{id}/usage`: the key's account and one page of its ledger, newest first. */
export interface KeyUsage {
  key: KeyView;
  /** USD; null for an unlimited key. */
  balance: string | null;
  held: string;
  spent: string;
  refunded: string;
  topped_up: string;
  ledger: LedgerEntry[];
  next_before: number | null;
}

/** One callback of a task (one status change) as `GET .../task/{id}/callbacks` lists it. */
export interface CallbackEntry {
  webhook_id: string;
  event: string;
  url: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
  delivered_at: string | null;
  last_status: number | null;
  last_error: string | null;
}
