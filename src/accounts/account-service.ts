import { createHash } from 'node:crypto';
import { apiError, formatUsd, type Micros } from '../contract/index.js';
import type {
  AdjustmentKind,
  ApiKeyRecord,
  KeyAccount,
  LedgerAudit,
  LedgerEntry,
  MoneyCallResult,
  MoneyRefusal,
  TaskStore,
} from '../store/index.js';
import { hashSecret, newApiKeySecret, newKeyId, newWebhookSecret } from './key-secrets.js';

/** How long a rotated-out webhook secret keeps signing beside the new one: a day to deploy the new secret. */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 3_600_000;

/** Longest key name and adjustment reason accepted. */
const MAX_NAME = 200;
const MAX_REASON = 500;

/** A key with its money, as every caller of the service sees it. */
export interface KeyWithAccount {
  record: ApiKeyRecord;
  account: KeyAccount | null;
}

/** What a money call made: the key and account now, the ledger entry, and whether it was a replay. */
export type MoneyCallDone = Extract<MoneyCallResult, { ok: true }>;

/** One page of a key's ledger, newest first. */
export interface KeyUsage {
  record: ApiKeyRecord;
  account: KeyAccount;
  entries: LedgerEntry[];
  /** The id to pass as `before` for the next page; null on the last. */
  nextBefore: number | null;
}

export interface AccountServiceOptions {
  readonly store: TaskStore;
  readonly clock?: () => Date;
}

/**
 * API keys and their money, between the front doors (the admin API, the account route, `inbetween keys`) and
 * the store: key creation with its secrets, revocation, webhook secret rotation, top-ups and balance
 * adjustments through the ledger (idempotent under an `Idempotency-Key`), usage and the audit. Failures are
 * catalogue errors, so every front door reports them the same way.
 */
export class AccountService {
  readonly #store: TaskStore;
  readonly #clock: () => Date;

  constructor(options: AccountServiceOptions) {
    this.#store = options.store;
    this.#clock = options.clock ?? (() => new Date());
  }

  /**
   * Stores a new key and returns it with the secret, which is shown once and never stored. A balance makes the
   * key limited (its opening top-up); without one it is unlimited.
   */
  async createKey(
    name: unknown,
    balanceMicros: Micros | null = null,
  ): Promise<KeyWithAccount & { secret: string }> {
    if (typeof name !== 'string' || name.length > MAX_NAME) {
      throw apiError('002014010', {
        param: 'name',
        values: { expected: `a string of at most ${MAX_NAME} characters`, received: typeof name },
      });
    }
    const secret = newApiKeySecret();
    const record: ApiKeyRecord = {
      id: newKeyId(),
      name,
      secretHash: hashSecret(secret),
      prefix: secret.slice(0, 8),
      createdAt: this.#clock(),
      revokedAt: null,
      balanceMicros,
      webhookSecret: newWebhookSecret(),
      lastUsedAt: null,
      previousWebhookSecret: null,
    };
    await this.#store.insertKey(record);
    return { record, secret, account: await this.#store.getKeyAccount(record.id) };
  }

  async listKeys(): Promise<KeyWithAccount[]> {
    const [records, accounts] = await Promise.all([this.#store.listKeys(), this.#store.listKeyAccounts()]);
    const byKey = new Map(accounts.map((account) => [account.keyId, account]));
    return records.map((record) => ({ record, account: byKey.get(record.id) ?? null }));
  }

  async getKey(id: string): Promise<KeyWithAccount> {
    const record = await this.#store.getKey(id);
    if (!record) throw unknownKey(id);
    return { record, account: await this.#store.getKeyAccount(id) };
  }

  /** The calling key's own money, read afresh (a cached key's balance may be seconds old). */
  async account(keyId: string): Promise<KeyAccount> {
    const account = await this.#store.getKeyAccount(keyId);
    if (!account) throw unknownKey(keyId);
    return account;
  }

  async revokeKey(id: string): Promise<KeyWithAccount> {
    const record = await this.#store.revokeKey(id, this.#clock());
    if (!record) throw unknownKey(id);
    return { record, account: await this.#store.getKeyAccount(id) };
  }

  /** A new webhook secret; the old one keeps signing beside it until `previousUntil`. */
  async rotateWebhookSecret(id: string): Promise<KeyWithAccount & { previousUntil: Date }> {
    const previousUntil = new Date(this.#clock().getTime() + WEBHOOK_SECRET_OVERLAP_MS);
    const record = await this.#store.rotateWebhookSecret(id, newWebhookSecret(), previousUntil);
    if (!record) throw unknownKey(id);
    return { record, account: await this.#store.getKeyAccount(id), previousUntil };
  }

  /** Adds `amountMicros` (above 0) to a limited key's balance. */
  async topUp(id: string, amountMicros: Micros, idempotencyKey?: string): Promise<MoneyCallDone> {
    checkAmount(amountMicros);
    const idempotency = moneyIdempotency(idempotencyKey, ['top_up', id, amountMicros]);
    const result = await this.#store.topUpKey(id, amountMicros, this.#clock(), { idempotency });
    return settled(result, id, idempotencyKey);
  }

  /** Credits or debits a limited key's balance, with the operator's reason on the ledger entry. */
  async adjust(
    id: string,
    adjustment: { kind: unknown; amountMicros: Micros; reason: unknown },
    idempotencyKey?: string,
  ): Promise<MoneyCallDone> {
    const { kind, amountMicros, reason } = adjustment;
    if (kind !== 'credit' && kind !== 'debit') {
      throw apiError('002014010', {
        param: 'kind',
        values: { expected: '"credit" or "debit"', received: JSON.stringify(kind) ?? 'nothing' },
      });
    }
    checkAmount(amountMicros);
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON) {
      throw apiError('002014010', {
        param: 'reason',
        values: {
          expected: `why, as a non-empty string of at most ${MAX_REASON} characters`,
          received: typeof reason === 'string' ? `${reason.length} characters` : typeof reason,
        },
      });
    }
    const idempotency = moneyIdempotency(idempotencyKey, [kind, id, amountMicros, reason]);
    const result = await this.#store.adjustKeyBalance(
      id,
      { kind: kind satisfies AdjustmentKind, amountMicros, reason },
      this.#clock(),
      { idempotency },
    );
    return settled(result, id, idempotencyKey);
  }

  /** One page of the key's ledger, newest first, before the entry id `before` when given. */
  async usage(id: string, page: { limit: number; before: number | null }): Promise<KeyUsage> {
    const record = await this.#store.getKey(id);
    if (!record) throw unknownKey(id);
    const [account, entries] = await Promise.all([
      this.#store.getKeyAccount(id),
      this.#store.listLedger(id, { limit: page.limit + 1, beforeId: page.before }),
    ]);
    if (!account) throw unknownKey(id);
    const shown = entries.slice(0, page.limit);
    const nextBefore = entries.length > page.limit ? (shown.at(-1)?.id ?? null) : null;
    return { record, account, entries: shown, nextBefore };
  }

  audit(): Promise<LedgerAudit> {
    return this.#store.auditLedger();
  }
}

/** The catalogue error for a key id that names no key. */
/** An id that names no key: 404, as a missing task is (400 would say the request was malformed). */
export function unknownKey(id: string) {
  return apiError('key_not_found', { values: { id } });
}

function checkAmount(amountMicros: Micros): void {
  if (!Number.isSafeInteger(amountMicros) || amountMicros <= 0) {
    throw apiError('002014010', {
      param: 'amount',
      values: { expected: 'a USD amount above 0', received: formatUsd(amountMicros) },
    });
  }
}

/** The idempotency of a money call: its key and the hash of everything it asks, the target key included. */
function moneyIdempotency(key: string | undefined, request: readonly unknown[]) {
  if (key === undefined) return null;
  if (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw apiError('002014010', {
      param: 'Idempotency-Key',
      values: { expected: '1 to 255 visible ASCII characters', received: `${key.length} characters` },
    });
  }
  return { key, requestHash: createHash('sha256').update(JSON.stringify(request)).digest('hex') };
}

function settled(result: MoneyCallResult, id: string, idempotencyKey: string | undefined): MoneyCallDone {
  if (result.ok) return result;
  throw refusal(result.reason, id, idempotencyKey);
}

function refusal(reason: MoneyRefusal, id: string, idempotencyKey: string | undefined) {
  switch (reason) {
    case 'not_found':
      return unknownKey(id);
    case 'idempotency_conflict':
      return apiError('idempotency_conflict', { values: { key: idempotencyKey ?? '' } });
    case 'unlimited':
      return apiError('002014010', {
        param: 'amount',
        values: {
          expected: 'a key with a balance (this key is unlimited, so there is no balance to change)',
          received: id,
        },
      });
    case 'insufficient_balance':
      return apiError('002014010', {
        param: 'amount',
        values: { expected: 'a debit of at most the balance', received: 'more than the balance' },
      });
    case 'too_large':
      return apiError('002014010', {
        param: 'amount',
        values: { expected: 'an amount that keeps the balance under 9,007,199,254 USD', received: id },
      });
  }
}

/** {@link AccountService.createKey} on `store`, for one-off callers (the first key at start, tests). */
export function createApiKey(
  store: TaskStore,
  name: string,
  balanceMicros: Micros | null = null,
): Promise<KeyWithAccount & { secret: string }> {
  return new AccountService({ store }).createKey(name, balanceMicros);
}
