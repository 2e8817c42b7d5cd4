import {
  balanceProblem,
  keyAccountFromSums,
  taskMoneyProblems,
  type KeyAccount,
  type LedgerAudit,
  type LedgerEntry,
} from '../ledger.js';
import type { ApiKeyRecord, ListLedgerOptions, StoredTask, TopUpResult } from '../task-store.js';
import type { KeyAccountRow } from './ledger-row.js';
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

export function topUp(ctx: SqliteContext, id: string, amountMicros: number, now: Date): TopUpResult {
  const { sql } = ctx;
  const row = sql.getKey.get(id);
  if (!row) return { ok: false, reason: 'not_found' };
  if (row.balance_micros === null) return { ok: false, reason: 'unlimited' };
  // Micro-dollars stay exact only as safe integers.
  if (!Number.isSafeInteger(row.balance_micros + amountMicros)) return { ok: false, reason: 'too_large' };
  sql.insertLedger.run(id, null, 'top_up', amountMicros, now.getTime());
  sql.adjustBalance.run(amountMicros, id);
  const key = keyFromRow(sql.getKey.get(id) ?? row);
  return { ok: true, key, account: readAccount(ctx, id) ?? accountFromRow(undefined, id) };
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
    .map((row) => ({
      id: row.id,
      keyId: row.key_id,
      taskId: row.task_id,
      kind: row.kind,
      amountMicros: row.amount_micros,
      createdAt: new Date(row.created_at),
    }));
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
  });
}
