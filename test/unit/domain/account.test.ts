import { describe, expect, it } from 'vitest';
import { accountView, creditEntry, debitEntry, releaseEntry, reserveEntry } from '../../../lambdas/domain/account.js';

const NOW = '2026-01-02T03:04:05.678Z';
const RECEIPT_HASH = 'ab'.repeat(32);

describe('ledger entries', () => {
  it('records a reservation under the job it reserves for', () => {
    expect(reserveEntry('acme', 60n, 'job-1', NOW)).toEqual({
      entry_id: 'reserve:job-1',
      customer_id: 'acme',
      kind: 'reserve',
      amount_wei: 60n,
      private_job_id: 'job-1',
      receipt_hash: null,
      created_at: NOW,
    });
  });

  it('records a credit under its credit id, with no job', () => {
    expect(creditEntry('acme', 5n, 'credit-9', NOW)).toMatchObject({ entry_id: 'credit:credit-9', kind: 'credit', private_job_id: null });
  });

  it('records a debit with the receipt that settled it', () => {
    expect(debitEntry('acme', 7n, 'job-1', RECEIPT_HASH, NOW)).toMatchObject({
      entry_id: 'debit:job-1',
      kind: 'debit',
      amount_wei: 7n,
      private_job_id: 'job-1',
      receipt_hash: RECEIPT_HASH,
    });
  });

  it('records a release with no receipt', () => {
    expect(releaseEntry('acme', 7n, 'job-1', NOW)).toMatchObject({ entry_id: 'release:job-1', kind: 'release', receipt_hash: null });
  });

  it.each([
    { case: 'zero', amount: 0n },
    { case: 'negative', amount: -5n },
  ])('throws RangeError for an amount that is not positive ($case)', ({ amount }) => {
    expect(() => reserveEntry('acme', amount, 'job-1', NOW)).toThrow(RangeError);
    expect(() => creditEntry('acme', amount, 'credit-1', NOW)).toThrow(RangeError);
    expect(() => debitEntry('acme', amount, 'job-1', RECEIPT_HASH, NOW)).toThrow(RangeError);
    expect(() => releaseEntry('acme', amount, 'job-1', NOW)).toThrow(RangeError);
  });
});

describe('accountView', () => {
  it('shows the totals as decimal wei strings', () => {
    expect(accountView('acme', { balance_wei: 500n, reserved_wei: 120n, available_wei: 380n }, 'flat-v1')).toEqual({
      customer_id: 'acme',
      balance_wei: '500',
      reserved_wei: '120',
      available_wei: '380',
      policy_version: 'flat-v1',
    });
  });
});
