import { MAX_WEI } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Account, availableWei, creditFunds, debitReserved, releaseReserved, reserveFunds } from '../../../lambdas/domain/account.js';

const NOW = '2026-01-02T03:04:05.678Z';
const RECEIPT_HASH = 'ab'.repeat(32);

function account(balance: bigint, reserved: bigint, version = 3): Account {
  return { customer_id: 'acme', balance_wei: balance, reserved_wei: reserved, version };
}

describe('reserveFunds', () => {
  it('reserves exactly the available amount and records the values after (boundary)', () => {
    // Prepare
    const before = account(100n, 40n);

    // Act
    const change = reserveFunds(before, 60n, 'job-1', NOW);

    // Assess
    expect(change).toEqual({
      account: { customer_id: 'acme', balance_wei: 100n, reserved_wei: 100n, version: 4 },
      entry: {
        entry_id: 'reserve:job-1',
        customer_id: 'acme',
        kind: 'reserve',
        amount_wei: 60n,
        balance_after_wei: 100n,
        reserved_after_wei: 100n,
        private_job_id: 'job-1',
        receipt_hash: null,
        created_at: NOW,
      },
    });
    expect(before).toEqual(account(100n, 40n));
  });

  it.each([
    { case: 'one wei more than available', balance: 100n, reserved: 40n, amount: 61n },
    { case: 'nothing available', balance: 100n, reserved: 100n, amount: 1n },
    { case: 'empty account', balance: 0n, reserved: 0n, amount: 1n },
  ])('returns undefined when available does not cover the amount ($case)', ({ balance, reserved, amount }) => {
    expect(reserveFunds(account(balance, reserved), amount, 'job-1', NOW)).toBeUndefined();
  });

  it.each([
    { case: 'zero', amount: 0n },
    { case: 'negative', amount: -5n },
  ])('throws RangeError for an amount that is not positive ($case)', ({ amount }) => {
    expect(() => reserveFunds(account(100n, 0n), amount, 'job-1', NOW)).toThrow(RangeError);
  });
});

describe('creditFunds', () => {
  it('adds the credit, bumps the version and records the values after (credit)', () => {
    // Prepare
    const before = account(10n, 4n, 7);

    // Act
    const change = creditFunds(before, 5n, 'credit-1', NOW);

    // Assess
    expect(change?.account).toEqual({ customer_id: 'acme', balance_wei: 15n, reserved_wei: 4n, version: 8 });
    expect(change?.entry).toEqual({
      entry_id: 'credit:credit-1',
      customer_id: 'acme',
      kind: 'credit',
      amount_wei: 5n,
      balance_after_wei: 15n,
      reserved_after_wei: 4n,
      private_job_id: null,
      receipt_hash: null,
      created_at: NOW,
    });
  });

  it('credits up to exactly 10^38 - 1 (boundary)', () => {
    expect(creditFunds(account(MAX_WEI - 5n, 0n), 5n, 'credit-1', NOW)?.account.balance_wei).toBe(MAX_WEI);
  });

  it.each([
    { case: 'one past 38 digits', balance: MAX_WEI, amount: 1n },
    { case: 'largest credit on a non-empty account', balance: 1n, amount: MAX_WEI },
  ])('returns undefined when the balance would pass 38 digits ($case)', ({ balance, amount }) => {
    expect(creditFunds(account(balance, 0n), amount, 'credit-1', NOW)).toBeUndefined();
  });

  it.each([
    { case: 'zero', amount: 0n },
    { case: 'negative', amount: -1n },
  ])('throws RangeError for an amount that is not positive ($case)', ({ amount }) => {
    expect(() => creditFunds(account(100n, 0n), amount, 'credit-1', NOW)).toThrow(RangeError);
  });
});

describe('debitReserved', () => {
  it('takes the whole reservation out of both balance and reserved and records the receipt (settlement)', () => {
    // Prepare
    const before = account(100n, 60n);

    // Act
    const change = debitReserved(before, 60n, 'job-1', RECEIPT_HASH, NOW);

    // Assess
    expect(change).toEqual({
      account: { customer_id: 'acme', balance_wei: 40n, reserved_wei: 0n, version: 4 },
      entry: {
        entry_id: 'debit:job-1',
        customer_id: 'acme',
        kind: 'debit',
        amount_wei: 60n,
        balance_after_wei: 40n,
        reserved_after_wei: 0n,
        private_job_id: 'job-1',
        receipt_hash: RECEIPT_HASH,
        created_at: NOW,
      },
    });
    expect(before).toEqual(account(100n, 60n));
  });

  it('leaves other reservations in place (partial)', () => {
    // Act
    const change = debitReserved(account(100n, 60n), 25n, 'job-1', RECEIPT_HASH, NOW);

    // Assess
    expect(change.account).toEqual({ customer_id: 'acme', balance_wei: 75n, reserved_wei: 35n, version: 4 });
    expect(availableWei(change.account)).toBe(40n);
  });

  it('debits a balance that is all reserved down to zero (boundary)', () => {
    expect(debitReserved(account(60n, 60n), 60n, 'job-1', RECEIPT_HASH, NOW).account).toEqual(account(0n, 0n, 4));
  });

  it.each([
    { case: 'zero', balance: 100n, reserved: 60n, amount: 0n },
    { case: 'negative', balance: 100n, reserved: 60n, amount: -1n },
    { case: 'one wei more than reserved', balance: 100n, reserved: 60n, amount: 61n },
    { case: 'nothing reserved', balance: 100n, reserved: 0n, amount: 1n },
    { case: 'more than the balance', balance: 50n, reserved: 60n, amount: 55n },
  ])('throws RangeError for a debit the reservation does not cover ($case)', ({ balance, reserved, amount }) => {
    // Prepare
    const before = account(balance, reserved);

    // Act
    const debit = () => debitReserved(before, amount, 'job-1', RECEIPT_HASH, NOW);

    // Assess
    expect(debit).toThrow(RangeError);
    expect(before).toEqual(account(balance, reserved));
  });
});

describe('releaseReserved', () => {
  it('lowers only the reservation and records a release (release)', () => {
    // Prepare
    const before = account(100n, 60n);

    // Act
    const change = releaseReserved(before, 60n, 'job-1', NOW);

    // Assess
    expect(change).toEqual({
      account: { customer_id: 'acme', balance_wei: 100n, reserved_wei: 0n, version: 4 },
      entry: {
        entry_id: 'release:job-1',
        customer_id: 'acme',
        kind: 'release',
        amount_wei: 60n,
        balance_after_wei: 100n,
        reserved_after_wei: 0n,
        private_job_id: 'job-1',
        receipt_hash: null,
        created_at: NOW,
      },
    });
    expect(before).toEqual(account(100n, 60n));
  });

  it('leaves other reservations in place (partial)', () => {
    expect(releaseReserved(account(100n, 60n), 25n, 'job-1', NOW).account).toEqual(account(100n, 35n, 4));
  });

  it.each([
    { case: 'zero', reserved: 60n, amount: 0n },
    { case: 'negative', reserved: 60n, amount: -1n },
    { case: 'one wei more than reserved', reserved: 60n, amount: 61n },
    { case: 'nothing reserved', reserved: 0n, amount: 1n },
  ])('throws RangeError for a release the reservation does not cover ($case)', ({ reserved, amount }) => {
    expect(() => releaseReserved(account(100n, reserved), amount, 'job-1', NOW)).toThrow(RangeError);
  });
});

describe('account invariants', () => {
  const operation = fc.oneof(
    fc.record({ kind: fc.constant('credit' as const), amount: fc.bigInt({ min: 1n, max: 10n ** 20n }) }),
    fc.record({ kind: fc.constant('reserve' as const), amount: fc.bigInt({ min: 1n, max: 10n ** 20n }) }),
  );

  it('never reserves more than the balance, and the balance is the sum of credits (property)', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        // Prepare
        let current = account(0n, 0n, 0);
        let credited = 0n;
        let reserved = 0n;

        for (const [index, op] of operations.entries()) {
          // Act
          const change =
            op.kind === 'credit'
              ? creditFunds(current, op.amount, `credit-${index}`, NOW)
              : reserveFunds(current, op.amount, `job-${index}`, NOW);

          // Assess
          if (change === undefined) {
            expect(op.kind === 'reserve' && op.amount > availableWei(current)).toBe(true);
            continue;
          }
          if (op.kind === 'credit') credited += op.amount;
          else reserved += op.amount;
          expect(change.account.version).toBe(current.version + 1);
          expect(change.entry.balance_after_wei).toBe(change.account.balance_wei);
          expect(change.entry.reserved_after_wei).toBe(change.account.reserved_wei);
          current = change.account;
          expect(current.reserved_wei).toBeLessThanOrEqual(current.balance_wei);
          expect(current.balance_wei).toBe(credited);
          expect(current.reserved_wei).toBe(reserved);
        }
      }),
    );
  });

  it('returns reserved to where it was after reserve then debit or release, and only a debit lowers the balance (property)', () => {
    const start = fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: 10n ** 30n }))
      .map(([balance, share]) => ({ balance, reserved: share % balance }));
    fc.assert(
      fc.property(start, fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.boolean(), ({ balance, reserved }, wanted, debit) => {
        // Prepare
        const before = account(balance, reserved, 0);
        const amount = ((wanted - 1n) % availableWei(before)) + 1n;
        const reservation = reserveFunds(before, amount, 'job-1', NOW);
        expect(reservation).toBeDefined();

        // Act
        const change = debit
          ? debitReserved(reservation!.account, amount, 'job-1', RECEIPT_HASH, NOW)
          : releaseReserved(reservation!.account, amount, 'job-1', NOW);

        // Assess
        expect(change.account.reserved_wei).toBe(reserved);
        expect(change.account.balance_wei).toBe(debit ? balance - amount : balance);
        expect(change.account.version).toBe(2);
        expect(change.entry.kind).toBe(debit ? 'debit' : 'release');
        expect(change.entry.amount_wei).toBe(amount);
        expect(change.entry.balance_after_wei).toBe(change.account.balance_wei);
        expect(change.entry.reserved_after_wei).toBe(change.account.reserved_wei);
        expect(availableWei(change.account)).toBeGreaterThanOrEqual(0n);
      }),
    );
  });
});
