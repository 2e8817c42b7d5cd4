import {
  balanceDelta,
  balanceProblem,
  keyAccountFromSums,
  taskMoneyProblems,
  type KeyAccount,
  type LedgerAudit,
  type LedgerEntry,
  type LedgerKind,
} from '../ledger.js';
import type {
  ApiKeyRecord,
  BalanceAdjustment,
  ListLedgerOptions,
  MoneyCallOptions,
  MoneyCallResult,
  MoneyRefusal,
  StoredTask,
} from '../task-store.js';
import type { KeyAccountRow, LedgerRow } from './ledger-row.js';
import type { SqliteContext } from './sqlite-context.js';
import { keyFromRow, keyToParams } from './task-row.js';

// The keys and money half of the SQLite store. Every function runs inside the transaction its caller opened.

export function insertKeyRow(ctx: SqliteContext, key: ApiKeyRecord): void {
  ctx.sql.insertKey.run(keyToParams(key));
  // A starting balance is the key's first top-up, so the ledger explains every balance from the start.
  if (key.balanceMicros !== null && key.balanceMicros > 0) {
    ctx.sql.insertLedger.run(key.id, null, 'top_up', key.balanceMicros, key.createdAt.getTime());
  }
}

export function readKey(ctx: SqliteContext, id: string): ApiKeyRecord | null {
  const row = ctx.sql.getKey.get(id);
  return row ? keyFromRow(row) : null;
}

export function readKeyByHash(ctx: SqliteContext, secretHash: string): ApiKeyRecord | null {
  const row = ctx.sql.findKeyByHash.get(secretHash);
  return row ? keyFromRow(row) : null;
}

export function readKeys(ctx: SqliteContext): ApiKeyRecord[] {
  return ctx.sql.listKeys.all().map(keyFromRow);
}

export function revokeKeyRow(ctx: SqliteContext, id: string, now: Date): ApiKeyRecord | null {
  ctx.sql.revokeKey.run(now.getTime(), id);
  return readKey(ctx, id);
}

export function rotateSecret(
  ctx: SqliteContext,
  id: string,
  secret: string,
  previousUntil: Date,
): ApiKeyRecord | null {
  ctx.sql.rotateWebhookSecret.run({ id, secret, until: previousUntil.getTime() });
  return readKey(ctx, id);
}

export function touchKeyRow(ctx: SqliteContext, id: string, now: Date): void {
  ctx.sql.touchKey.run(now.getTime(), id);
}

export function topUp(
  ctx: SqliteContext,
  id: string,
  amountMicros: number,
  now: Date,
  options: MoneyCallOptions = {},
): MoneyCallResult {
  return moneyCall(ctx, id, now, options, (balance) => {
    // Micro-dollars stay exact only as safe integers.
    if (!Number.isSafeInteger(balance + amountMicros)) return 'too_large';
    return { kind: 'top_up', amountMicros, reason: null };
  });
}

export function adjust(
  ctx: SqliteContext,
  id: string,
  adjustment: BalanceAdjustment,
  now: Date,
  options: MoneyCallOptions = {},
): MoneyCallResult {
  return moneyCall(ctx, id, now, options, (balance) => {
    if (adjustment.kind === 'debit' && adjustment.amountMicros > balance) return 'insufficient_balance';
    if (adjustment.kind === 'credit' && !Number.isSafeInteger(balance + adjustment.amountMicros))
      return 'too_large';
    return adjustment;
  });
}

/**
 * One money call in the caller's transaction: an idempotency key already used answers its entry (same request)
 * or a conflict, before anything else is judged, so a retry gets the first call's answer even if the balance
 * moved since; otherwise `plan` judges the current balance and the entry is written with the balance change.
 */
function moneyCall(
  ctx: SqliteContext,
  id: string,
  now: Date,
  options: MoneyCallOptions,
  plan: (balance: number) => { kind: LedgerKind; amountMicros: number; reason: string | null } | MoneyRefusal,
): MoneyCallResult {
  const { sql } = ctx;
  const idempotency = options.idempotency ?? null;
  if (idempotency) {
    const earlier = sql.ledgerByIdempotencyKey.get(idempotency.key);
    if (earlier) {
      if (earlier.request_hash !== idempotency.requestHash || earlier.key_id !== id)
        return { ok: false, reason: 'idempotency_conflict' };
      return { ...current(ctx, id), entry: entryFromRow(earlier), replayed: true };
    }
  }
  const row = sql.getKey.get(id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.balance_micros === null) return { ok: false, reason: 'unlimited' };
  const planned = plan(row.balance_micros);
  if (typeof planned === 'string') return { ok: false, reason: planned };
  const { lastInsertRowid } = sql.insertMoneyEntry.run({
    key_id: id,
    kind: planned.kind,
    amount_micros: planned.amountMicros,
    created_at: now.getTime(),
    reason: planned.reason,
    idempotency_key: idempotency?.key ?? null,
    request_hash: idempotency?.requestHash ?? null,
  });
  sql.adjustBalance.run(balanceDelta(planned.kind, planned.amountMicros), id);
  const entry = sql.ledgerEntry.get(Number(lastInsertRowid));
  if (!entry) throw new Error(`ledger entry ${lastInsertRowid} vanished inside its transaction`);
  return { ...current(ctx, id), entry: entryFromRow(entry), replayed: false };
}

function current(ctx: SqliteContext, id: string): { ok: true; key: ApiKeyRecord; account: KeyAccount } {
  const row = ctx.sql.getKey.get(id);
  if (!row) throw new Error(`key ${id} vanished inside its transaction`);
  return { ok: true, key: keyFromRow(row), account: readAccount(ctx, id) ?? accountFromRow(undefined, id) };
}

function entryFromRow(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    keyId: row.key_id,
    taskId: row.task_id,
    kind: row.kind,
    amountMicros: row.amount_micros,
    createdAt: new Date(row.created_at),
    reason: row.reason,
  };
}

export function readAccount(ctx: SqliteContext, id: string): KeyAccount | null {
  const row = ctx.sql.keyAccount.get(id);
  return row ? accountFromRow(row, id) : null;
}

export function readAccounts(ctx: SqliteContext): KeyAccount[] {
  return ctx.sql.keyAccounts.all().map((row) => accountFromRow(row, row.key_id));
}

export function readLedger(ctx: SqliteContext, keyId: string, options: ListLedgerOptions): LedgerEntry[] {
  return ctx.sql.listLedger
    .all({ key_id: keyId, before_id: options.beforeId ?? null, limit: Math.max(1, options.limit) })
    .map(entryFromRow);
}

/** Run in one read transaction, so the sums and the tasks are of the same moment. */
export function audit(ctx: SqliteContext): LedgerAudit {
  const problems: string[] = [];
  for (const row of ctx.sql.keyAccounts.all()) {
    const problem = balanceProblem(accountFromRow(row, row.key_id), row.held_total);
    if (problem) problems.push(problem);
  }
  for (const row of ctx.sql.taskMoney.all()) {
    problems.push(
      ...taskMoneyProblems({
        taskId: row.id,
        status: row.status as StoredTask['status'],
        costMicros: row.cost_micros,
        foreignEntries: row.foreign_entries,
        hold: row.hold,
        charge: row.charge,
        refund: row.refund,
      }),
    );
  }
  return { balanced: problems.length === 0, problems };
}

function accountFromRow(row: KeyAccountRow | undefined, keyId: string): KeyAccount {
  return keyAccountFromSums({
    keyId,
    balanceMicros: row?.balance_micros ?? null,
    toppedUp: row?.topped_up ?? 0,
    held: row?.held_total ?? 0,
    charged: row?.charged ?? 0,
    refunded: row?.refunded ?? 0,
    credited: row?.credited ?? 0,
    debited: row?.debited ?? 0,
  });
}
