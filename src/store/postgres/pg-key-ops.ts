import {
  balanceProblem,
  keyAccountFromSums,
  taskMoneyProblems,
  type KeyAccount,
  type LedgerAudit,
  type LedgerEntry,
} from '../ledger.js';
import type { KeyAccountRow, LedgerRow, TaskMoneyRow } from '../sqlite/ledger-row.js';
import { keyFromRow, keyToParams, type KeyRow } from '../sqlite/task-row.js';
import type { ApiKeyRecord, ListLedgerOptions, StoredTask, TopUpResult } from '../task-store.js';
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

export async function topUp(
  ctx: PgContext,
  id: string,
  amountMicros: number,
  now: Date,
): Promise<TopUpResult> {
  const { client } = ctx;
  // Locked, so a hold racing this top-up waits and the safe-integer check below stays true until COMMIT.
  const row = (await client.query<KeyRow>(SQL.lockKey, [id])).rows[0];
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.balance_micros === null) return { ok: false, reason: 'unlimited' };
  // Micro-dollars stay exact only as safe integers.
  if (!Number.isSafeInteger(row.balance_micros + amountMicros)) return { ok: false, reason: 'too_large' };
  await client.query(SQL.insertLedger, [id, null, 'top_up', amountMicros, now.getTime()]);
  await client.query(SQL.adjustBalance, [amountMicros, id]);
  const key = (await readKey(ctx, id)) ?? keyFromRow(row);
  return { ok: true, key, account: (await readAccount(ctx, id)) ?? accountFromRow(undefined, id) };
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
  return rows.map((row) => ({
    id: row.id,
    keyId: row.key_id,
    taskId: row.task_id,
    kind: row.kind,
    amountMicros: row.amount_micros,
    createdAt: new Date(row.created_at),
  }));
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
  });
}
