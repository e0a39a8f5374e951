import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { creditEntry, debitEntry, type LedgerEntry, releaseEntry, reserveEntry } from '../../../lambdas/domain/account.js';
import {
  afterEntry,
  CHECKPOINT_EVERY,
  checkpointToWrite,
  closingEntryTime,
  ledgerPosition,
  NO_TOTALS,
  SETTLE_WINDOW_MS,
  withRunningTotals,
} from '../../../lambdas/domain/ledger-totals.js';

const at = (second: number) => new Date(Date.UTC(2026, 0, 2, 3, 0, second)).toISOString();
const HASH = 'c'.repeat(64);

describe('running totals', () => {
  it('moves balance and reserved as each kind says', () => {
    const start = { balance_wei: 100n, reserved_wei: 30n };

    expect(afterEntry(start, creditEntry('acme', 5n, 'c-1', at(0)))).toEqual({ balance_wei: 105n, reserved_wei: 30n });
    expect(afterEntry(start, reserveEntry('acme', 5n, 'job-1', at(0)))).toEqual({ balance_wei: 100n, reserved_wei: 35n });
    expect(afterEntry(start, debitEntry('acme', 5n, 'job-1', HASH, at(0)))).toEqual({ balance_wei: 95n, reserved_wei: 25n });
    expect(afterEntry(start, releaseEntry('acme', 5n, 'job-1', at(0)))).toEqual({ balance_wei: 100n, reserved_wei: 25n });
  });

  it('gives each entry the totals of every entry up to it, from a starting point', () => {
    const totalled = withRunningTotals({ balance_wei: 10n, reserved_wei: 0n }, [
      creditEntry('acme', 500n, 'c-1', at(0)),
      reserveEntry('acme', 100n, 'job-1', at(1)),
      debitEntry('acme', 100n, 'job-1', HASH, at(2)),
    ]);

    expect(totalled.map((entry) => [entry.kind, entry.balance_after_wei, entry.reserved_after_wei])).toEqual([
      ['credit', 510n, 0n],
      ['reserve', 510n, 100n],
      ['debit', 410n, 0n],
    ]);
  });

  it('gives the same totals from a checkpoint as from the first entry (property)', () => {
    const entry = fc
      .record({
        kind: fc.constantFrom('credit', 'reserve', 'debit', 'release'),
        amount: fc.bigInt({ min: 1n, max: 10n ** 20n }),
        second: fc.nat(59),
      })
      .map(({ kind, amount, second }): LedgerEntry => {
        const id = `x-${second}-${amount}`;
        if (kind === 'credit') return creditEntry('acme', amount, id, at(second));
        if (kind === 'reserve') return reserveEntry('acme', amount, id, at(second));
        return kind === 'debit' ? debitEntry('acme', amount, id, HASH, at(second)) : releaseEntry('acme', amount, id, at(second));
      });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 40 }), fc.nat(), (entries, cut) => {
        const split = cut % entries.length;
        const whole = withRunningTotals(NO_TOTALS, entries);
        const checkpoint = whole[split]!;
        const resumed = withRunningTotals(
          { balance_wei: checkpoint.balance_after_wei, reserved_wei: checkpoint.reserved_after_wei },
          entries.slice(split + 1),
        );
        expect(resumed).toEqual(whole.slice(split + 1));
      }),
    );
  });
});

describe('checkpointToWrite', () => {
  const NOW = new Date(Date.UTC(2026, 0, 2, 4, 0, 0));
  const settled = new Date(NOW.getTime() - SETTLE_WINDOW_MS - 1).toISOString();
  const fresh = new Date(NOW.getTime() - SETTLE_WINDOW_MS + 1).toISOString();
  const credits = (count: number, createdAt: string, from = 0) =>
    Array.from({ length: count }, (_, index) => creditEntry('acme', 1n, `c-${from + index}`, createdAt));

  it('writes one at the newest settled entry once enough settled entries followed the last one', () => {
    const totalled = withRunningTotals(NO_TOTALS, [...credits(CHECKPOINT_EVERY, settled), ...credits(3, fresh, CHECKPOINT_EVERY)]);

    const checkpoint = checkpointToWrite('acme', totalled, NOW);

    expect(checkpoint).toEqual({
      customer_id: 'acme',
      position: ledgerPosition(totalled[CHECKPOINT_EVERY - 1]!),
      balance_wei: BigInt(CHECKPOINT_EVERY),
      reserved_wei: 0n,
    });
  });

  it('writes none with fewer settled entries, however many are too fresh to be settled', () => {
    const totalled = withRunningTotals(NO_TOTALS, [...credits(CHECKPOINT_EVERY - 1, settled), ...credits(500, fresh, CHECKPOINT_EVERY)]);

    expect(checkpointToWrite('acme', totalled, NOW)).toBeUndefined();
    expect(checkpointToWrite('acme', [], NOW)).toBeUndefined();
  });
});

describe('closingEntryTime', () => {
  it('is now, but never at or before the reservation it closes', () => {
    expect(closingEntryTime(at(0), new Date(at(5)))).toBe(at(5));
    expect(closingEntryTime(at(5), new Date(at(5)))).toBe('2026-01-02T03:00:05.001Z');
    expect(closingEntryTime(at(5), new Date(at(4)))).toBe('2026-01-02T03:00:05.001Z');
  });

  it('orders a closing entry after its reserve entry in the stated order', () => {
    const reserve = reserveEntry('acme', 1n, 'job-1', at(5));
    const release = releaseEntry('acme', 1n, 'job-1', closingEntryTime(at(5), new Date(at(5))));

    expect(ledgerPosition(release) > ledgerPosition(reserve)).toBe(true);
  });
});
