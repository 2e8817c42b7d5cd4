import type { KeyUsage } from '../accounts/account-service.js';
import { formatUsd } from '../contract/index.js';
import type { ApiKeyRecord, KeyAccount, LedgerEntry, UpstreamCost } from '../store/index.js';

/** An API key as the admin endpoints show it: never the secret or its hash; money as USD strings. */
export function keyView(record: ApiKeyRecord, account: KeyAccount | null): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    created_at: record.createdAt.toISOString(),
    revoked_at: record.revokedAt ? record.revokedAt.toISOString() : null,
    last_used_at: record.lastUsedAt ? record.lastUsedAt.toISOString() : null,
    // null = unlimited
    balance: record.balanceMicros === null ? null : formatUsd(record.balanceMicros),
    held: formatUsd(account?.heldMicros ?? 0),
    spent: formatUsd(account?.spentMicros ?? 0),
  };
}

/** One ledger entry; `reason` is set on adjustments (credit, debit) only. */
export function entryView(entry: LedgerEntry): Record<string, unknown> {
  return {
    id: entry.id,
    kind: entry.kind,
    amount: formatUsd(entry.amountMicros),
    task_id: entry.taskId,
    reason: entry.reason,
    created_at: entry.createdAt.toISOString(),
  };
}

/** A key's usage: its account and one page of its ledger, newest first. */
export function usageView(
  usage: KeyUsage,
  upstream: UpstreamCost = { credits: 0, costMicros: 0 },
): Record<string, unknown> {
  const { record, account } = usage;
  return {
    key: keyView(record, account),
    balance: record.balanceMicros === null ? null : formatUsd(record.balanceMicros),
    held: formatUsd(account.heldMicros),
    spent: formatUsd(account.spentMicros),
    // What providers charged inbetween for this key's tasks (USD and provider credits), against `spent`.
    upstream_cost: formatUsd(upstream.costMicros),
    upstream_credits: upstream.credits,
    refunded: formatUsd(account.refundedMicros),
    topped_up: formatUsd(account.toppedUpMicros),
    credited: formatUsd(account.creditedMicros),
    debited: formatUsd(account.debitedMicros),
    ledger: usage.entries.map(entryView),
    next_before: usage.nextBefore,
  };
}
