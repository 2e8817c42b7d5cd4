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
import type { KeyAccountRow, LedgerRow, TaskMoneyRow } from '../sqlite/ledger-row.js';
import { keyFromRow, keyToParams, type KeyRow } from '../sqlite/task-row.js';
import type {
  ApiKeyRecord,
  BalanceAdjustment,
  ListLedgerOptions,
  MoneyCallOptions,
  MoneyCallResult,
  MoneyRefusal,
  StoredTask,
} from '../task-store.js';
import type { PgContext } from './pg-context.js';
import { insertRow, SQL } from './pg-sql.js';

// The keys and money half of the PostgreSQL store. Every function runs inside the transaction its caller opened.

export async function insertKeyRow(ctx: PgContext, key: ApiKeyRecord): Promise<void> {
  await ctx.client.query(...insertRow('api_keys', { ...keyToParams(key) }));
  // A starting balance is the key's first top-up, so the ledger explains every balance from the start.
  if (key.balanceMicros !== null && key.balanceMicros > 0) {
    await ctx.client.query(SQL.insertLedger, [
      key.id,
      null,
      'top_up',
      key.balanceMicros,
      key.createdAt.getTime(),
    ]);
  }
}

export async function readKey(ctx: PgContext, id: string): Promise<ApiKeyRecord | null> {
  return keyOrNull((await ctx.client.query<KeyRow>(SQL.getKey, [id])).rows[0]);
}

export async function readKeyByHash(ctx: PgContext, secretHash: string): Promise<ApiKeyRecord | null> {
  return keyOrNull((await ctx.client.query<KeyRow>(SQL.findKeyByHash, [secretHash])).rows[0]);
}

export async function readKeys(ctx: PgContext): Promise<ApiKeyRecord[]> {
  return (await ctx.client.query<KeyRow>(SQL.listKeys)).rows.map(keyFromRow);
}

export async function revokeKeyRow(ctx: PgContext, id: string, now: Date): Promise<ApiKeyRecord | null> {
  await ctx.client.query(SQL.revokeKey, [now.getTime(), id]);
  return readKey(ctx, id);
}

export async function rotateSecret(
  ctx: PgContext,
  id: string,
  secret: string,
  previousUntil: Date,
): Promise<ApiKeyRecord | null> {
  const { rows } = await ctx.client.query<KeyRow>(SQL.rotateWebhookSecret, [
    id,
    secret,
    previousUntil.getTime(),
  ]);
  return keyOrNull(rows[0]);
}

export async function touchKeyRow(ctx: PgContext, id: string, now: Date): Promise<void> {
  await ctx.client.query(SQL.touchKey, [now.getTime(), id]);
}

export function topUp(
  ctx: PgContext,
  id: string,
  amountMicros: number,
  now: Date,
  options: MoneyCallOptions = {},
): Promise<MoneyCallResult> {
  return moneyCall(ctx, id, now, options, (balance) => {
    // Micro-dollars stay exact only as safe integers.
    if (!Number.isSafeInteger(balance + amountMicros)) return 'too_large';
    return { kind: 'top_up', amountMicros, reason: null };
  });
}

export function adjust(
  ctx: PgContext,
  id: string,
  adjustment: BalanceAdjustment,
  now: Date,
  options: MoneyCallOptions = {},
): Promise<MoneyCallResult> {
  return moneyCall(ctx, id, now, options, (balance) => {
    if (adjustment.kind === 'debit' && adjustment.amountMicros > balance) return 'insufficient_balance';
    if (adjustment.kind === 'credit' && !Number.isSafeInteger(balance + adjustment.amountMicros))
      return 'too_large';
    return adjustment;
  });
}

/**
 * One money call in the caller's transaction, as SQLite's: an idempotency key already used answers its entry
 * (same request) or a conflict, before anything else is judged, so a retry gets the first call's answer even if
 * the balance moved since; otherwise `plan` judges the balance, locked, and the entry is written with the change.
 */
async function moneyCall(
  ctx: PgContext,
  id: string,
  now: Date,
  options: MoneyCallOptions,
  plan: (balance: number) => { kind: LedgerKind; amountMicros: number; reason: string | null } | MoneyRefusal,
): Promise<MoneyCallResult> {
  const { client } = ctx;
  const idempotency = options.idempotency ?? null;
  if (idempotency) {
    // Lock order: the idempotency key, then the API key (inserts take only the latter), so no cycle.
    await client.query(SQL.lockMoneyIdempotency, [idempotency.key]);
    const earlier = (await client.query<LedgerRow>(SQL.ledgerByIdempotencyKey, [idempotency.key])).rows[0];
    if (earlier) {
      if (earlier.request_hash !== idempotency.requestHash || earlier.key_id !== id)
        return { ok: false, reason: 'idempotency_conflict' };
      return { ...(await current(ctx, id)), entry: entryFromRow(earlier), replayed: true };
    }
  }
  // Locked, so a hold racing this call waits and the checks below stay true until COMMIT.
  const row = (await client.query<KeyRow>(SQL.lockKey, [id])).rows[0];
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.balance_micros === null) return { ok: false, reason: 'unlimited' };
  const planned = plan(row.balance_micros);
  if (typeof planned === 'string') return { ok: false, reason: planned };
  const { rows } = await client.query<LedgerRow>(SQL.insertMoneyEntry, [
    id,
    planned.kind,
    planned.amountMicros,
    now.getTime(),
    planned.reason,
    idempotency?.key ?? null,
    idempotency?.requestHash ?? null,
  ]);
  await client.query(SQL.adjustBalance, [balanceDelta(planned.kind, planned.amountMicros), id]);
  const entry = rows[0];
  if (!entry) throw new Error(`the ledger entry of key ${id} was not returned by its INSERT`);
  return { ...(await current(ctx, id)), entry: entryFromRow(entry), replayed: false };
}

async function current(
  ctx: PgContext,
  id: string,
): Promise<{ ok: true; key: ApiKeyRecord; account: KeyAccount }> {
  const key = await readKey(ctx, id);
  if (!key) throw new Error(`key ${id} vanished inside its transaction`);
  return { ok: true, key, account: (await readAccount(ctx, id)) ?? accountFromRow(undefined, id) };
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

export async function readAccount(ctx: PgContext, id: string): Promise<KeyAccount | null> {
  const row = (await ctx.client.query<KeyAccountRow>(SQL.keyAccounts, [id])).rows[0];
  return row ? accountFromRow(row, id) : null;
}

export async function readAccounts(ctx: PgContext): Promise<KeyAccount[]> {
  const { rows } = await ctx.client.query<KeyAccountRow>(SQL.keyAccounts, [null]);
  return rows.map((row) => accountFromRow(row, row.key_id));
}

export async function readLedger(
  ctx: PgContext,
  keyId: string,
  options: ListLedgerOptions,
): Promise<LedgerEntry[]> {
  const { rows } = await ctx.client.query<LedgerRow>(SQL.listLedger, [
    keyId,
    options.beforeId ?? null,
    Math.max(1, options.limit),
  ]);
  return rows.map(entryFromRow);
}

/** Run in one repeatable-read transaction, so the sums and the tasks are of the same moment. */
export async function audit(ctx: PgContext): Promise<LedgerAudit> {
  const problems: string[] = [];
  for (const row of (await ctx.client.query<KeyAccountRow>(SQL.keyAccounts, [null])).rows) {
    const problem = balanceProblem(accountFromRow(row, row.key_id), row.held_total);
    if (problem) problems.push(problem);
  }
  for (const row of (await ctx.client.query<TaskMoneyRow>(SQL.taskMoney)).rows) {
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

function keyOrNull(row: KeyRow | undefined): ApiKeyRecord | null {
  return row ? keyFromRow(row) : null;
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
