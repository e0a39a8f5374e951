/**
 * The account as a whole: one consistent snapshot of the account item and all its buckets (a
 * query is not one while a refill moves money between buckets), read again when a write in
 * flight cancels it; and the ledger with its running totals, from the newest checkpoint.
 */
import { accountView, type LedgerEntry } from '../domain/account.js';
import { accountTotals } from '../domain/escrow.js';
import {
  CHECKPOINT_EVERY,
  checkpointToWrite,
  ledgerPosition,
  NO_TOTALS,
  type TotalledEntry,
  withRunningTotals,
} from '../domain/ledger-totals.js';
import type { ControlPlane } from './control-plane.js';
import type { AccountSnapshot } from './ports/accounts.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

/** The account with all its buckets at one instant; `undefined` when there is no such customer. */
function readAccountSnapshot(plane: ControlPlane, customerId: string): Promise<AccountSnapshot | undefined> {
  return retryOnConflict(async () => {
    const read = await plane.store.readAccount(customerId);
    if (read.type === 'conflict') return RETRY.afterPause;
    return done(read.type === 'found' ? read.account : undefined);
  });
}

/** `GET /v1/billing/account` and the answer to a credit, from one snapshot; `undefined` when there is no such customer. */
async function currentAccountView(plane: ControlPlane, customerId: string) {
  const snapshot = await readAccountSnapshot(plane, customerId);
  return snapshot === undefined ? undefined : accountView(customerId, accountTotals(snapshot.buckets), plane.pricing.policyVersion);
}

/**
 * The customer's newest ledger entries (at most `limit`, created at or after `since`), newest
 * first, each with the account's running totals after it in the stated order: from the newest
 * checkpoint before the oldest of them, plus every entry between. Writes a new checkpoint when
 * enough settled entries followed the last one.
 */
async function ledgerWithTotals(plane: ControlPlane, customerId: string, limit: number, since: string): Promise<TotalledEntry[]> {
  return withTotalsFromCheckpoint(plane, customerId, await plane.store.ledger(customerId, limit, since));
}

/**
 * The newest entries of a customer's ledger as read (newest first, none missing between them),
 * each with the account's running totals after it: from the newest checkpoint before the oldest
 * of them, plus every entry between. Writes a new checkpoint when enough settled entries followed
 * the last one.
 */
async function withTotalsFromCheckpoint(plane: ControlPlane, customerId: string, rows: LedgerEntry[]): Promise<TotalledEntry[]> {
  const oldest = rows.at(-1);
  if (oldest === undefined) return [];
  const checkpoint = await plane.store.latestCheckpoint(customerId, ledgerPosition(oldest));
  const between = await plane.store.ledgerBetween(customerId, {
    after: checkpoint?.position,
    before: ledgerPosition(oldest),
    limit: Number.MAX_SAFE_INTEGER,
  });
  const totalled = withRunningTotals(checkpoint ?? NO_TOTALS, [...between, ...rows.toReversed()]);
  await writeCheckpoint(plane, customerId, totalled);
  return totalled.slice(between.length).toReversed();
}

/**
 * Moves the customer's newest checkpoint forward over settled entries (at most `CHECKPOINT_EVERY`
 * × 100 read per call), so that a later read of the ledger starts near its end (a credit calls this).
 */
async function checkpointLedger(plane: ControlPlane, customerId: string): Promise<void> {
  const checkpoint = await plane.store.latestCheckpoint(customerId);
  const entries = await plane.store.ledgerBetween(customerId, { after: checkpoint?.position, limit: CHECKPOINT_EVERY * 100 });
  await writeCheckpoint(plane, customerId, withRunningTotals(checkpoint ?? NO_TOTALS, entries));
}

async function writeCheckpoint(plane: ControlPlane, customerId: string, totalled: TotalledEntry[]): Promise<void> {
  const checkpoint = checkpointToWrite(customerId, totalled, plane.now());
  if (checkpoint !== undefined) await plane.store.putCheckpoint(checkpoint);
}

export { checkpointLedger, currentAccountView, ledgerWithTotals, readAccountSnapshot, withTotalsFromCheckpoint };
