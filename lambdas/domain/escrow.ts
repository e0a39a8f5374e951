/**
 * Reservation buckets (escrow): a customer's money is spread over RESERVATION_BUCKETS items that
 * reservations draw from without reading or versioning one account item, so one customer's
 * concurrent jobs rarely write the same item. A job reserves from one bucket and is settled or
 * released in that same bucket. These are the pure rules: which bucket a reservation takes, how
 * a bucket is refilled from the others when none covers a price, how a credit is spread, and the
 * account's totals. An absent bucket holds zero.
 */
import type { AccountTotals } from './account.js';

/** How many buckets a customer's money is spread over (a transaction holds at most 100 items). */
const RESERVATION_BUCKETS = 64;

interface Bucket {
  index: number;
  available_wei: bigint;
  reserved_wei: bigint;
}

/** A move of available money between two buckets of one customer: totals do not change. */
interface RefillMove {
  from: number;
  amount: bigint;
}

/** Refills `target` from `moves` so that it covers a price. */
interface RefillPlan {
  target: number;
  moves: RefillMove[];
}

/** How much of a credit each bucket receives (only buckets that receive something). */
interface CreditShare {
  index: number;
  amount: bigint;
}

const emptyBucket = (index: number): Bucket => ({ index, available_wei: 0n, reserved_wei: 0n });

/** All RESERVATION_BUCKETS buckets, in index order: those found, and zero for the absent ones. */
function allBuckets(found: Iterable<Bucket>): Bucket[] {
  const buckets = Array.from({ length: RESERVATION_BUCKETS }, (_, index) => emptyBucket(index));
  for (const bucket of found) {
    if (!isBucketIndex(bucket.index)) throw new RangeError(`no bucket ${bucket.index}`);
    buckets[bucket.index] = bucket;
  }
  return buckets;
}

const isBucketIndex = (index: number): boolean => Number.isInteger(index) && index >= 0 && index < RESERVATION_BUCKETS;

const sum = (values: bigint[]): bigint => values.reduce((total, value) => total + value, 0n);

/** The account's totals: balance = Σ(available + reserved), reserved = Σ reserved, available = Σ available. */
function accountTotals(buckets: readonly Bucket[]): AccountTotals {
  const available = sum(buckets.map((bucket) => bucket.available_wei));
  const reserved = sum(buckets.map((bucket) => bucket.reserved_wei));
  return { balance_wei: available + reserved, reserved_wei: reserved, available_wei: available };
}

/**
 * The bucket a reservation of `price` takes: only one whose available covers it. The preferred
 * bucket (the one this process used last) if it is free; else a random free one; else (every
 * covering bucket is held by another reservation in flight) a random covering one. `avoid` (a
 * bucket that just lost a transaction conflict) is taken only when nothing else covers.
 * `undefined` when no bucket covers the price.
 */
function chooseBucket(
  buckets: readonly Bucket[],
  price: bigint,
  options: { leased: ReadonlySet<number>; preferred?: number | undefined; avoid?: number | undefined; random: () => number },
): number | undefined {
  const covering = buckets.filter((bucket) => bucket.available_wei >= price).map((bucket) => bucket.index);
  const { leased, preferred, avoid } = options;
  if (preferred !== undefined && preferred !== avoid && covering.includes(preferred) && !leased.has(preferred)) return preferred;
  const pick = (indexes: number[]) => indexes[Math.min(indexes.length - 1, Math.floor(options.random() * indexes.length))];
  for (const pool of [
    covering.filter((index) => !leased.has(index) && index !== avoid),
    covering.filter((index) => index !== avoid),
    covering,
  ]) {
    if (pool.length > 0) return pick(pool);
  }
  return undefined;
}

/**
 * How to make one bucket cover `price` from the others when none does: the target is the richest
 * bucket no reservation in flight holds (the fewest moves), and it is filled up to `want` (at
 * least the price; at most the whole available balance) from the richest other buckets first,
 * each giving at most what it has. `undefined` when the whole available balance does not cover
 * the price (or a bucket already covers it: nothing to move).
 */
function planRefill(buckets: readonly Bucket[], price: bigint, leased: ReadonlySet<number>, want = price): RefillPlan | undefined {
  const available = accountTotals(buckets).available_wei;
  if (price <= 0n || available < price) return undefined;
  const richestFirst = [...buckets].sort((a, b) =>
    a.available_wei === b.available_wei ? a.index - b.index : a.available_wei > b.available_wei ? -1 : 1,
  );
  const target = richestFirst.find((bucket) => !leased.has(bucket.index)) ?? richestFirst[0];
  if (target === undefined || target.available_wei >= price) return undefined;
  let goal = want;
  if (goal < price) goal = price;
  if (goal > available) goal = available;
  let need = goal - target.available_wei;
  const moves: RefillMove[] = [];
  for (const donor of richestFirst) {
    if (need === 0n || donor.available_wei === 0n) break;
    if (donor.index === target.index) continue;
    let amount = need;
    if (donor.available_wei < need) amount = donor.available_wei;
    moves.push({ from: donor.index, amount });
    need -= amount;
  }
  return { target: target.index, moves };
}

/** The buckets after a refill plan: what it moved left the donors and reached the target. */
function applyRefill(buckets: readonly Bucket[], plan: RefillPlan): Bucket[] {
  const moved = new Map(plan.moves.map((move) => [move.from, move.amount]));
  const total = sum(plan.moves.map((move) => move.amount));
  return buckets.map((bucket) => {
    if (bucket.index === plan.target) return { ...bucket, available_wei: bucket.available_wei + total };
    const amount = moved.get(bucket.index);
    return amount === undefined ? bucket : { ...bucket, available_wei: bucket.available_wei - amount };
  });
}

/**
 * Spreads a credit over the buckets by filling the poorest first (water-filling on available):
 * after it, every bucket that received something holds the same available (±1 wei), at least as
 * much as any that did not. An even spread keeps each bucket at about balance / 64, so while the
 * balance is well above a price no reservation needs a refill; a small balance ends up in small
 * buckets, which a refill gathers when a reservation needs them.
 */
function creditSplit(buckets: readonly Bucket[], amount: bigint): CreditShare[] {
  if (amount <= 0n) throw new RangeError('a credit must be positive');
  const poorestFirst = allBuckets(buckets).sort((a, b) =>
    a.available_wei === b.available_wei ? a.index - b.index : a.available_wei < b.available_wei ? -1 : 1,
  );
  // Find how many of the poorest buckets the credit lifts: the level it brings them to stays
  // at or below the next bucket's available.
  let count = 0;
  let held = 0n;
  while (count < poorestFirst.length) {
    const next = poorestFirst[count] as Bucket;
    if (count > 0 && next.available_wei * BigInt(count) - held >= amount) break;
    held += next.available_wei;
    count += 1;
  }
  const lifted = poorestFirst.slice(0, count);
  const level = (held + amount) / BigInt(count);
  let extra = held + amount - level * BigInt(count);
  return lifted
    .map((bucket) => {
      const bonus = extra > 0n ? 1n : 0n;
      extra -= bonus;
      return { index: bucket.index, amount: level + bonus - bucket.available_wei };
    })
    .filter((share) => share.amount > 0n)
    .sort((a, b) => a.index - b.index);
}

export type { Bucket, CreditShare, RefillMove, RefillPlan };
export { accountTotals, allBuckets, applyRefill, chooseBucket, creditSplit, emptyBucket, isBucketIndex, planRefill, RESERVATION_BUCKETS };
