/**
 * A customer's prepaid account: who they are, and the ledger entries that record every change to
 * their money. The money itself lives in reservation buckets (escrow.ts); each entry is written
 * in the same transaction as the bucket change it records.
 */

import type { AccountView, LedgerKind } from '@b3iq/protocol';
import { formatWei } from '@b3iq/protocol';
import type { TokenHash } from './customer-token.js';

/**
 * A customer as stored: their id and the hashes of their unrevoked tokens (never a token), each
 * with its token's id. Balances are in the buckets; a token's name and dates in its own item.
 */
interface Customer {
  customer_id: string;
  tokens: TokenHash[];
}

/** A credit as first applied; its id makes a repeated credit a no-op. */
interface Credit {
  credit_id: string;
  customer_id: string;
  amount_wei: bigint;
}

/** One change to the account. Its running totals are computed when read (ledger-totals.ts). */
interface LedgerEntry {
  entry_id: string;
  customer_id: string;
  kind: LedgerKind;
  amount_wei: bigint;
  private_job_id: string | null;
  receipt_hash: string | null;
  created_at: string;
}

/** The account as a whole, summed over its buckets. */
interface AccountTotals {
  balance_wei: bigint;
  reserved_wei: bigint;
  available_wei: bigint;
}

/** `GET /v1/billing/account`, and the answer to a credit. */
function accountView(customerId: string, totals: AccountTotals, policyVersion: string): AccountView {
  return {
    customer_id: customerId,
    balance_wei: formatWei(totals.balance_wei),
    reserved_wei: formatWei(totals.reserved_wei),
    available_wei: formatWei(totals.available_wei),
    policy_version: policyVersion,
  };
}

function entry(
  kind: LedgerKind,
  customerId: string,
  amount: bigint,
  reference: string,
  createdAt: string,
  jobId: string | null,
): LedgerEntry {
  if (amount <= 0n) throw new RangeError(`a ${kind} must be positive`);
  return {
    entry_id: `${kind}:${reference}`,
    customer_id: customerId,
    kind,
    amount_wei: amount,
    private_job_id: jobId,
    receipt_hash: null,
    created_at: createdAt,
  };
}

/** Moves a job's price from available to reserved. */
const reserveEntry = (customerId: string, amount: bigint, jobId: string, createdAt: string): LedgerEntry =>
  entry('reserve', customerId, amount, jobId, createdAt, jobId);

/** Adds a credit to the balance. */
const creditEntry = (customerId: string, amount: bigint, creditId: string, createdAt: string): LedgerEntry =>
  entry('credit', customerId, amount, creditId, createdAt, null);

/** Settles an answered job: the reserved price leaves both the balance and the reservation. */
const debitEntry = (customerId: string, amount: bigint, jobId: string, receiptHash: string, createdAt: string): LedgerEntry => ({
  ...entry('debit', customerId, amount, jobId, createdAt, jobId),
  receipt_hash: receiptHash,
});

/** Ends a reservation without a debit: the job failed, expired or was cancelled. */
const releaseEntry = (customerId: string, amount: bigint, jobId: string, createdAt: string): LedgerEntry =>
  entry('release', customerId, amount, jobId, createdAt, jobId);

export type { AccountTotals, Credit, Customer, LedgerEntry, LedgerKind };
export { accountView, creditEntry, debitEntry, releaseEntry, reserveEntry };
