/**
 * The running totals of a customer's ledger, computed when read. The stated order of the entries
 * is their ledger sort key: `created_at`, then `entry_id`. An entry's `balance_after_wei` and
 * `reserved_after_wei` are the totals of every entry up to and including it in that order
 * (credit: balance + a; reserve: reserved + a; debit: balance − a and reserved − a; release:
 * reserved − a). Entries cannot carry them when written: a reservation touches one bucket and
 * does not know the others. Instead, a checkpoint holds the totals at one position, so a read
 * starts from the newest checkpoint rather than from the account's first entry.
 *
 * A checkpoint is only written at a position older than SETTLE_WINDOW_MS: every attempt of a
 * ledger-writing transaction takes its `created_at` from the clock when it is built, and no
 * function that writes one runs longer than 60 s (the deadline sweeper; the node API 28 s, the
 * others 10 s: lib/), so by then no entry can still appear before that position.
 */
import type { LedgerEntry } from './account.js';

interface RunningTotals {
  balance_wei: bigint;
  reserved_wei: bigint;
}

/** The running totals after the entry at `position` (a ledger sort key). */
interface LedgerCheckpoint extends RunningTotals {
  customer_id: string;
  position: string;
}

/** An entry with the account's running totals after it. */
type TotalledEntry = LedgerEntry & { balance_after_wei: bigint; reserved_after_wei: bigint };

const NO_TOTALS: RunningTotals = { balance_wei: 0n, reserved_wei: 0n };

/** Older than this, no new entry can appear before a position (longer than any writer's timeout). */
const SETTLE_WINDOW_MS = 5 * 60_000;

/** A new checkpoint once this many settled entries follow the last one. */
const CHECKPOINT_EVERY = 100;

/** An entry's place in the stated order: its ledger sort key. */
const ledgerPosition = (entry: Pick<LedgerEntry, 'created_at' | 'entry_id'>): string => `${entry.created_at}#${entry.entry_id}`;

function afterEntry(totals: RunningTotals, entry: LedgerEntry): RunningTotals {
  const amount = entry.amount_wei;
  switch (entry.kind) {
    case 'credit':
      return { balance_wei: totals.balance_wei + amount, reserved_wei: totals.reserved_wei };
    case 'reserve':
      return { balance_wei: totals.balance_wei, reserved_wei: totals.reserved_wei + amount };
    case 'debit':
      return { balance_wei: totals.balance_wei - amount, reserved_wei: totals.reserved_wei - amount };
    case 'release':
      return { balance_wei: totals.balance_wei, reserved_wei: totals.reserved_wei - amount };
  }
}

/** Each entry (oldest first, all of those after `start`'s position) with the running totals after it. */
function withRunningTotals(start: RunningTotals, oldestFirst: readonly LedgerEntry[]): TotalledEntry[] {
  let totals = start;
  return oldestFirst.map((entry) => {
    totals = afterEntry(totals, entry);
    return { ...entry, balance_after_wei: totals.balance_wei, reserved_after_wei: totals.reserved_wei };
  });
}

/**
 * The checkpoint to write after reading `totalled` (oldest first, every entry after the last
 * checkpoint): at the newest settled entry, when at least CHECKPOINT_EVERY settled entries
 * followed the last checkpoint; `undefined` otherwise.
 */
function checkpointToWrite(customerId: string, totalled: readonly TotalledEntry[], now: Date): LedgerCheckpoint | undefined {
  const settledBefore = new Date(now.getTime() - SETTLE_WINDOW_MS).toISOString();
  let settled = 0;
  while (settled < totalled.length && (totalled[settled] as TotalledEntry).created_at < settledBefore) settled += 1;
  const last = totalled[settled - 1];
  if (settled < CHECKPOINT_EVERY || last === undefined) return undefined;
  return {
    customer_id: customerId,
    position: ledgerPosition(last),
    balance_wei: last.balance_after_wei,
    reserved_wei: last.reserved_after_wei,
  };
}

/**
 * When a job's closing entry (debit or release) is stamped: now, but always after its `reserve`
 * entry (stamped with the job's `created_at`), so that in the stated order a reservation is never
 * closed before it was made, even when another function's clock runs a little behind.
 */
function closingEntryTime(reservedAt: string, now: Date): string {
  const earliest = Date.parse(reservedAt) + 1;
  return new Date(Math.max(now.getTime(), earliest)).toISOString();
}

export type { LedgerCheckpoint, RunningTotals, TotalledEntry };
export {
  afterEntry,
  CHECKPOINT_EVERY,
  checkpointToWrite,
  closingEntryTime,
  ledgerPosition,
  NO_TOTALS,
  SETTLE_WINDOW_MS,
  withRunningTotals,
};
