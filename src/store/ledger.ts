import { isTerminal, type Micros } from '../contract/index.js';
import type { StoredTask } from './task-store.js';

/**
 * The kinds of money movement. Each key has three pots: available (its balance), held (reserved for unfinished
 * tasks) and spent. `top_up` adds to available; `hold` moves a task's cost from available to held at create;
 * `charge` moves it from held to spent when the task completes; `refund` moves it from held back to available
 * when the task fails, is cancelled or expires. `credit` and `debit` are an operator's corrections of the
 * available balance, each with a reason. Nothing else changes a balance.
 */
export const LEDGER_KINDS = ['top_up', 'hold', 'charge', 'refund', 'credit', 'debit'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** The corrections an operator may make to a balance. */
export const ADJUSTMENT_KINDS = ['credit', 'debit'] as const;
export type AdjustmentKind = (typeof ADJUSTMENT_KINDS)[number];

/** One line of the ledger; amounts are never negative, the kind says which way the money went. */
export interface LedgerEntry {
  /** Increasing in the order entries were written. */
  id: number;
  keyId: string;
  /** Null for a top-up or an adjustment. */
  taskId: string | null;
  kind: LedgerKind;
  amountMicros: Micros;
  createdAt: Date;
  /** Why an operator made an adjustment; null for the other kinds. */
  reason: string | null;
}

/** A key's money as the ledger sums it. */
export interface KeyAccount {
  keyId: string;
  /** What the key may still spend; null = unlimited (the ledger still records its holds and charges). */
  balanceMicros: Micros | null;
  /** Reserved by pending and processing tasks. */
  heldMicros: Micros;
  /** Charged for completed tasks. */
  spentMicros: Micros;
  /** Refunded for failed, cancelled and expired tasks. */
  refundedMicros: Micros;
  toppedUpMicros: Micros;
  /** Operator corrections: added to and taken from the balance. */
  creditedMicros: Micros;
  debitedMicros: Micros;
}

/** What the ledger audit found; `balanced` is true when `problems` is empty. */
export interface LedgerAudit {
  balanced: boolean;
  /** One sentence per broken rule, naming the key or task. */
  problems: string[];
}

/** How an entry of `kind` changes the available balance. */
export function balanceDelta(kind: LedgerKind, amount: Micros): Micros {
  if (kind === 'top_up' || kind === 'refund' || kind === 'credit') return amount;
  if (kind === 'hold' || kind === 'debit') return -amount;
  return 0;
}

/**
 * The ledger entry a task change makes, given the amount held for the task (null when nothing was held, as for
 * tasks created before the ledger existed). A new task holds its cost; the first move into `completed` charges
 * the hold; the first move into `failed` or `cancelled` refunds it. Requeues and progress move nothing. Stores
 * write the entry in the same transaction as the change, and a unique (task, kind) index makes a second charge
 * or refund impossible even if a caller tried.
 */
export function ledgerEntryFor(
  before: StoredTask | null,
  after: StoredTask,
  heldMicros: Micros | null,
): { kind: LedgerKind; amountMicros: Micros } | null {
  if (before === null) return { kind: 'hold', amountMicros: after.costMicros };
  if (heldMicros === null || isTerminal(before.status) || !isTerminal(after.status)) return null;
  return { kind: after.status === 'completed' ? 'charge' : 'refund', amountMicros: heldMicros };
}

/** What the ledger recorded for one task, for {@link taskMoneyProblems}. */
export interface TaskMoney {
  taskId: string;
  status: StoredTask['status'];
  costMicros: Micros;
  /** Entries for this task written against another key. */
  foreignEntries: number;
  hold: Micros | null;
  charge: Micros | null;
  refund: Micros | null;
}

/** The broken rules for one task's money, as sentences; empty when its entries are right. */
export function taskMoneyProblems(money: TaskMoney): string[] {
  const { taskId, status, hold, charge, refund } = money;
  const problems: string[] = [];
  if (money.foreignEntries > 0) problems.push(`task ${taskId} has ledger entries of another key`);
  if (hold === null) {
    // Tasks from before the ledger hold nothing; then nothing may be charged or refunded either.
    if (charge !== null || refund !== null)
      problems.push(`task ${taskId} is charged or refunded without a hold`);
    return problems;
  }
  if (hold !== money.costMicros) problems.push(`task ${taskId} holds ${hold} but costs ${money.costMicros}`);
  if (charge !== null && refund !== null) problems.push(`task ${taskId} is both charged and refunded`);
  const settled = charge ?? refund;
  if (settled !== null && settled !== hold)
    problems.push(`task ${taskId} settles ${settled} of a ${hold} hold`);
  if (status === 'completed' && charge === null) problems.push(`completed task ${taskId} is not charged`);
  if ((status === 'failed' || status === 'cancelled') && refund === null)
    problems.push(`${status} task ${taskId} is not refunded`);
  if (!isTerminal(status) && settled !== null) problems.push(`unfinished task ${taskId} is already settled`);
  return problems;
}

/** The account of a key from its sums per kind. */
export function keyAccountFromSums(sums: {
  keyId: string;
  balanceMicros: Micros | null;
  toppedUp: Micros;
  held: Micros;
  charged: Micros;
  refunded: Micros;
  credited: Micros;
  debited: Micros;
}): KeyAccount {
  return {
    keyId: sums.keyId,
    balanceMicros: sums.balanceMicros,
    heldMicros: sums.held - sums.charged - sums.refunded,
    spentMicros: sums.charged,
    refundedMicros: sums.refunded,
    toppedUpMicros: sums.toppedUp,
    creditedMicros: sums.credited,
    debitedMicros: sums.debited,
  };
}

/**
 * The broken rule for a limited key whose stored balance differs from its ledger (top-ups - holds + refunds +
 * credits - debits); undefined when equal.
 */
export function balanceProblem(account: KeyAccount, heldTotal: Micros): string | undefined {
  if (account.balanceMicros === null) return undefined;
  const fromLedger =
    account.toppedUpMicros -
    heldTotal +
    account.refundedMicros +
    account.creditedMicros -
    account.debitedMicros;
  return account.balanceMicros === fromLedger
    ? undefined
    : `key ${account.keyId} has a balance of ${account.balanceMicros} but its ledger sums to ${fromLedger}`;
}
