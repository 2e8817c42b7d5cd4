// API keys and the money calls on them, as the TaskStore interface speaks of them.
import type { Micros } from '../contract/index.js';
import type { AdjustmentKind, KeyAccount, LedgerEntry } from './ledger.js';

/** An API key. The secret itself is never stored. */
export interface ApiKeyRecord {
  /** `key_` + random characters. */
  id: string;
  name: string;
  /** Hex SHA-256 of the secret. */
  secretHash: string;
  /** First 8 characters of the secret, for display. */
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
  /** Null = unlimited. */
  balanceMicros: Micros | null;
  /** Signs callbacks for this key's tasks. */
  webhookSecret: string;
  /** The secret replaced by the last rotation, which still signs beside the new one until `until`. */
  previousWebhookSecret: { secret: string; until: Date } | null;
  /** Last time the key authenticated a request (recorded at most about once a minute). */
  lastUsedAt: Date | null;
}

/**
 * The `Idempotency-Key` of a money call and the hash of what it asked (target key, kind, amount, reason).
 * Keys are unique across the whole ledger: the same key again with the same hash is the same call.
 */
export interface MoneyIdempotency {
  key: string;
  requestHash: string;
}

/** Options of the money calls ({@link TaskStore.topUpKey}, {@link TaskStore.adjustKeyBalance}). */
export interface MoneyCallOptions {
  idempotency?: MoneyIdempotency | null;
}

/** An operator's correction of a limited key's balance, through the ledger. */
export interface BalanceAdjustment {
  kind: AdjustmentKind;
  /** Above 0; the kind says which way. */
  amountMicros: Micros;
  /** Why; kept on the ledger entry. */
  reason: string;
}

/**
 * Why a money call made no entry: no such key, an unlimited key (no balance to change), a balance past the safe
 * integers, a debit larger than the balance, or an idempotency key already used for another call.
 */
export type MoneyRefusal =
  'not_found' | 'unlimited' | 'too_large' | 'insufficient_balance' | 'idempotency_conflict';

/**
 * Result of a money call: the key and account as they are now and the ledger entry the call made; `replayed`
 * when the idempotency key had already made it (nothing new was written).
 */
export type MoneyCallResult =
  | { ok: true; key: ApiKeyRecord; account: KeyAccount; entry: LedgerEntry; replayed: boolean }
  | { ok: false; reason: MoneyRefusal };

/** Result of {@link TaskStore.topUpKey}. */
export type TopUpResult = MoneyCallResult;

/** Options for {@link TaskStore.listLedger}. */
export interface ListLedgerOptions {
  limit: number;
  /** Entries with a smaller id than this (the previous page's last id). */
  beforeId?: number | null;
}
