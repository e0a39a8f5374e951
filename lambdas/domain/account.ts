/**
 * Ledger rules for a customer's prepaid account. Every change is a pure function from the
 * account as read to the account as it must be written, plus the ledger row that records it;
 * the store writes both in one transaction conditioned on the `version` that was read.
 */

import type { AccountView, LedgerKind } from '@b3iq/protocol';
import { formatWei, MAX_WEI } from '@b3iq/protocol';

interface Account {
  customer_id: string;
  balance_wei: bigint;
  reserved_wei: bigint;
  /** Bumped by every change; the optimistic-concurrency guard of every balance write. */
  version: number;
}

/** A customer as stored: the account and the hash of their token (never the token). */
interface Customer {
  account: Account;
  token_hash: string;
}

/** A credit as first applied; its id makes a repeated credit a no-op. */
interface Credit {
  credit_id: string;
  customer_id: string;
  amount_wei: bigint;
}

interface LedgerEntry {
  entry_id: string;
  customer_id: string;
  kind: LedgerKind;
  amount_wei: bigint;
  balance_after_wei: bigint;
  reserved_after_wei: bigint;
  private_job_id: string | null;
  receipt_hash: string | null;
  created_at: string;
}

interface AccountChange {
  account: Account;
  entry: LedgerEntry;
}

function availableWei(account: Account): bigint {
  return account.balance_wei - account.reserved_wei;
}

/** `GET /v1/billing/account`, and the answer to a credit. */
function accountView(account: Account, policyVersion: string): AccountView {
  return {
    customer_id: account.customer_id,
    balance_wei: formatWei(account.balance_wei),
    reserved_wei: formatWei(account.reserved_wei),
    available_wei: formatWei(availableWei(account)),
    policy_version: policyVersion,
  };
}

function entryFor(
  account: Account,
  kind: LedgerKind,
  amount: bigint,
  reference: string,
  createdAt: string,
  jobId: string | null,
): LedgerEntry {
  return {
    entry_id: `${kind}:${reference}`,
    customer_id: account.customer_id,
    kind,
    amount_wei: amount,
    balance_after_wei: account.balance_wei,
    reserved_after_wei: account.reserved_wei,
    private_job_id: jobId,
    receipt_hash: null,
    created_at: createdAt,
  };
}

/** Moves `amount` from available to reserved, or `undefined` when available does not cover it. */
function reserveFunds(account: Account, amount: bigint, jobId: string, createdAt: string): AccountChange | undefined {
  if (amount <= 0n) throw new RangeError('a reservation must be positive');
  if (availableWei(account) < amount) return undefined;
  const next = { ...account, reserved_wei: account.reserved_wei + amount, version: account.version + 1 };
  return { account: next, entry: entryFor(next, 'reserve', amount, jobId, createdAt, jobId) };
}

/** Adds a credit, or `undefined` when the balance would pass 38 digits. */
function creditFunds(account: Account, amount: bigint, creditId: string, createdAt: string): AccountChange | undefined {
  if (amount <= 0n) throw new RangeError('a credit must be positive');
  if (account.balance_wei + amount > MAX_WEI) return undefined;
  const next = { ...account, balance_wei: account.balance_wei + amount, version: account.version + 1 };
  return { account: next, entry: entryFor(next, 'credit', amount, creditId, createdAt, null) };
}

/** Settles an answered job: the reserved price leaves both the balance and the reservation. */
function debitReserved(account: Account, amount: bigint, jobId: string, receiptHash: string, createdAt: string): AccountChange {
  if (amount <= 0n || account.reserved_wei < amount || account.balance_wei < amount) {
    throw new RangeError('a debit must be positive and covered by the reservation');
  }
  const next = {
    ...account,
    balance_wei: account.balance_wei - amount,
    reserved_wei: account.reserved_wei - amount,
    version: account.version + 1,
  };
  return { account: next, entry: { ...entryFor(next, 'debit', amount, jobId, createdAt, jobId), receipt_hash: receiptHash } };
}

/** Ends a reservation without a debit: the job failed, expired or was cancelled. */
function releaseReserved(account: Account, amount: bigint, jobId: string, createdAt: string): AccountChange {
  if (amount <= 0n || account.reserved_wei < amount) throw new RangeError('a release must be positive and covered by the reservation');
  const next = { ...account, reserved_wei: account.reserved_wei - amount, version: account.version + 1 };
  return { account: next, entry: entryFor(next, 'release', amount, jobId, createdAt, jobId) };
}

export type { Account, AccountChange, Credit, Customer, LedgerEntry, LedgerKind };
export { accountView, availableWei, creditFunds, debitReserved, releaseReserved, reserveFunds };
