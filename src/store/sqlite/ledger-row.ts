import type { LedgerKind } from '../ledger.js';

/** A `ledger_entries` row as SQLite returns it. */
export interface LedgerRow {
  id: number;
  key_id: string;
  task_id: string | null;
  kind: LedgerKind;
  amount_micros: number;
  created_at: number;
  reason: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
}

/** A key with its ledger summed per kind. */
export interface KeyAccountRow {
  key_id: string;
  balance_micros: number | null;
  topped_up: number;
  held_total: number;
  charged: number;
  refunded: number;
  credited: number;
  debited: number;
}

/** A task with its hold, charge and refund (null where there is none), for the audit. */
export interface TaskMoneyRow {
  id: string;
  key_id: string;
  status: string;
  cost_micros: number;
  foreign_entries: number;
  hold: number | null;
  charge: number | null;
  refund: number | null;
}
