import { MAX_WEI } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountTotals,
  allBuckets,
  applyRefill,
  type Bucket,
  chooseBucket,
  creditSplit,
  emptyBucket,
  planRefill,
  RESERVATION_BUCKETS,
} from '../../../lambdas/domain/escrow.js';

/** Buckets with these availables (the rest empty), each also holding `reserved`. */
function withAvailable(available: Record<number, bigint>, reserved = 0n): Bucket[] {
  return allBuckets(
    Object.entries(available).map(([index, amount]) => ({ index: Number(index), available_wei: amount, reserved_wei: reserved })),
  );
}

const wei = fc.bigInt({ min: 0n, max: 10n ** 30n });
const someBuckets = fc
  .array(fc.record({ available: wei, reserved: wei }), { minLength: RESERVATION_BUCKETS, maxLength: RESERVATION_BUCKETS })
  .map((values) => values.map((value, index) => ({ index, available_wei: value.available, reserved_wei: value.reserved })));
const leasedSet = fc.uniqueArray(fc.nat(RESERVATION_BUCKETS - 1), { maxLength: RESERVATION_BUCKETS }).map((indexes) => new Set(indexes));
const fixed = (value: number) => () => value;

describe('allBuckets and accountTotals', () => {
  it('fills absent buckets with zero, in index order', () => {
    const buckets = allBuckets([{ index: 9, available_wei: 5n, reserved_wei: 2n }]);

    expect(buckets).toHaveLength(RESERVATION_BUCKETS);
    expect(buckets[9]).toEqual({ index: 9, available_wei: 5n, reserved_wei: 2n });
    expect(buckets[0]).toEqual(emptyBucket(0));
  });

  it.each([-1, RESERVATION_BUCKETS, 1.5])('refuses a bucket index out of range (%s)', (index) => {
    expect(() => allBuckets([{ index, available_wei: 0n, reserved_wei: 0n }])).toThrow(RangeError);
  });

  it('sums available and reserved: balance is both', () => {
    expect(accountTotals(withAvailable({ 1: 10n, 2: 5n }, 3n))).toEqual({ balance_wei: 21n, reserved_wei: 6n, available_wei: 15n });
  });
});

describe('chooseBucket', () => {
  it('takes the preferred bucket when it covers the price and is free', () => {
    expect(chooseBucket(withAvailable({ 3: 10n, 4: 10n }), 10n, { leased: new Set(), preferred: 4, random: fixed(0) })).toBe(4);
  });

  it('takes a free covering bucket when the preferred one is leased or does not cover', () => {
    const buckets = withAvailable({ 3: 10n, 4: 9n, 5: 10n });

    expect(chooseBucket(buckets, 10n, { leased: new Set([3]), preferred: 4, random: fixed(0) })).toBe(5);
    expect(chooseBucket(buckets, 10n, { leased: new Set([5]), preferred: 5, random: fixed(0.99) })).toBe(3);
  });

  it('takes a leased covering bucket rather than none, and the avoided one only last', () => {
    const buckets = withAvailable({ 3: 10n, 5: 10n });

    expect(chooseBucket(buckets, 10n, { leased: new Set([3, 5]), avoid: 3, random: fixed(0) })).toBe(5);
    expect(chooseBucket(buckets, 10n, { leased: new Set([5]), preferred: 3, avoid: 3, random: fixed(0) })).toBe(5);
    expect(chooseBucket(withAvailable({ 3: 10n }), 10n, { leased: new Set([3]), avoid: 3, random: fixed(0) })).toBe(3);
  });

  it('answers undefined when no bucket covers the price', () => {
    expect(chooseBucket(withAvailable({ 3: 9n, 4: 9n }), 10n, { leased: new Set(), random: fixed(0) })).toBeUndefined();
  });

  it('never picks a bucket that does not cover the price, and picks one whenever one does (property)', () => {
    fc.assert(
      fc.property(
        someBuckets,
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        leasedSet,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (buckets, price, leased, draw) => {
          const chosen = chooseBucket(buckets, price, { leased, preferred: 0, avoid: 1, random: () => draw });
          const anyCovers = buckets.some((bucket) => bucket.available_wei >= price);
          expect(chosen !== undefined).toBe(anyCovers);
          if (chosen !== undefined) expect(buckets[chosen]!.available_wei >= price).toBe(true);
        },
      ),
    );
  });
});

describe('planRefill', () => {
  it('fills the richest free bucket from the richest others, each giving at most what it has', () => {
    const plan = planRefill(withAvailable({ 0: 3n, 1: 6n, 2: 5n, 3: 1n }), 12n, new Set([1]));

    expect(plan).toEqual({
      target: 2,
      moves: [
        { from: 1, amount: 6n },
        { from: 0, amount: 1n },
      ],
    });
  });

  it('answers undefined when the whole available balance does not cover the price, or a bucket already does', () => {
    expect(planRefill(withAvailable({ 0: 3n, 1: 6n }, 100n), 10n, new Set())).toBeUndefined();
    expect(planRefill(withAvailable({ 0: 3n, 1: 10n }), 10n, new Set())).toBeUndefined();
    expect(planRefill(withAvailable({ 0: 3n }), 0n, new Set())).toBeUndefined();
  });

  it('fills the target up to `want` when asked for more than the price, at most the whole available balance', () => {
    const buckets = withAvailable({ 0: 3n, 1: 6n, 2: 5n });

    expect(planRefill(buckets, 7n, new Set(), 10n)).toEqual({ target: 1, moves: [{ from: 2, amount: 4n }] });
    expect(planRefill(buckets, 7n, new Set(), 100n)).toEqual({
      target: 1,
      moves: [
        { from: 2, amount: 5n },
        { from: 0, amount: 3n },
      ],
    });
    expect(planRefill(buckets, 7n, new Set(), 1n)).toEqual({ target: 1, moves: [{ from: 2, amount: 1n }] });
  });

  it('targets a leased bucket when every bucket is leased', () => {
    const all = new Set(Array.from({ length: RESERVATION_BUCKETS }, (_, index) => index));
    expect(planRefill(withAvailable({ 0: 3n, 1: 6n }), 8n, all)).toEqual({ target: 1, moves: [{ from: 0, amount: 2n }] });
  });

  it('never takes more than a donor has, keeps the totals, and makes the target cover the price (property)', () => {
    fc.assert(
      fc.property(someBuckets, fc.bigInt({ min: 1n, max: 10n ** 31n }), leasedSet, fc.nat(100), (buckets, price, leased, times) => {
        const plan = planRefill(buckets, price, leased, price * BigInt(times));
        const covered = buckets.some((bucket) => bucket.available_wei >= price);
        expect(plan === undefined).toBe(covered || accountTotals(buckets).available_wei < price);
        if (plan === undefined) return;
        expect(plan.moves.length).toBeLessThan(RESERVATION_BUCKETS);
        for (const move of plan.moves) {
          expect(move.from).not.toBe(plan.target);
          expect(move.amount > 0n && move.amount <= buckets[move.from]!.available_wei).toBe(true);
        }
        const after = applyRefill(buckets, plan);
        expect(accountTotals(after)).toEqual(accountTotals(buckets));
        expect(after[plan.target]!.available_wei >= price).toBe(true);
        expect(after.every((bucket) => bucket.available_wei >= 0n)).toBe(true);
      }),
    );
  });
});

describe('creditSplit', () => {
  it('spreads a credit over empty buckets evenly, the remainder one wei each to the first', () => {
    const shares = creditSplit(allBuckets([]), 130n);

    expect(shares).toHaveLength(RESERVATION_BUCKETS);
    expect(shares.slice(0, 3)).toEqual([
      { index: 0, amount: 3n },
      { index: 1, amount: 3n },
      { index: 2, amount: 2n },
    ]);
  });

  it('fills the poorest buckets first', () => {
    const rich = Object.fromEntries(Array.from({ length: RESERVATION_BUCKETS }, (_, index) => [index, 100n]));
    const shares = creditSplit(withAvailable({ ...rich, 5: 10n, 9: 40n }), 100n);

    // 5 is lifted to 40, then both to 75.
    expect(shares).toEqual([
      { index: 5, amount: 65n },
      { index: 9, amount: 35n },
    ]);
  });

  it('gives a one-wei credit to one bucket', () => {
    expect(creditSplit(allBuckets([]), 1n)).toEqual([{ index: 0, amount: 1n }]);
  });

  it('refuses a credit that is not positive', () => {
    expect(() => creditSplit(allBuckets([]), 0n)).toThrow(RangeError);
  });

  it('sums to the credit, gives no bucket less than nothing, and leaves the lifted buckets level (property)', () => {
    fc.assert(
      fc.property(someBuckets, fc.bigInt({ min: 1n, max: MAX_WEI }), (buckets, amount) => {
        const shares = creditSplit(buckets, amount);
        expect(shares.reduce((total, share) => total + share.amount, 0n)).toBe(amount);
        expect(shares.every((share) => share.amount > 0n)).toBe(true);
        expect(new Set(shares.map((share) => share.index)).size).toBe(shares.length);
        const after = shares.map((share) => buckets[share.index]!.available_wei + share.amount);
        const sorted = [...after].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const low = sorted[0]!;
        const high = sorted.at(-1)!;
        expect(high - low <= 1n).toBe(true);
        // No bucket left out of the credit is poorer than the level it lifted the others to (the level's remainder aside).
        const lifted = new Set(shares.map((share) => share.index));
        expect(buckets.every((bucket) => lifted.has(bucket.index) || bucket.available_wei >= low - 1n)).toBe(true);
      }),
    );
  });
});
