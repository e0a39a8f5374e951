import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Account, availableWei, creditFunds, reserveFunds } from '../../../lambdas/domain/account.js';
import { MAX_WEI } from '../../../lambdas/domain/money.js';

const NOW = '2026-01-02T03:04:05.678Z';

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
});
