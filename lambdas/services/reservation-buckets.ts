/**
 * Which reservation bucket a submission draws from (the rules are in domain/escrow.ts). Each
 * process keeps its own view of each customer's buckets: loaded by one query when missing, then
 * kept up to date from what each transaction teaches (a reservation it made, a failed condition's
 * bucket as it stood). The view may be stale; a bucket's own condition is what decides.
 *
 * Concurrent submissions in one process lease distinct buckets, and a process prefers the bucket
 * it used last, so one Lambda container keeps to one bucket and containers rarely collide. When no
 * bucket in the view covers the price, the view is read again; if the whole available balance
 * covers it, one bucket is refilled from the others: one refill per customer at a time in a
 * process, sized for the submissions waiting on it, so that a small balance spread thin is
 * gathered once rather than by every submission against the others. A submission is refused only
 * when a consistent snapshot shows that the whole available balance does not cover the price.
 */
import { applyRefill, type Bucket, chooseBucket, planRefill } from '../domain/escrow.js';
import type { ControlPlaneStore } from './ports/store.js';

/** One process's view of a customer's buckets. */
interface CustomerBuckets {
  buckets: Bucket[];
  /** Buckets held by submissions in flight in this process. */
  leased: Set<number>;
  /** The bucket this process reserved from last. */
  last?: number;
  /** The refill in flight, if any: other submissions wait for it, then choose again. */
  refill?: Promise<BucketChoice>;
  /** Submissions waiting for the refill in flight. */
  waiting: number;
}

/** A bucket held by one submission until it lets go of it. */
interface BucketLease {
  bucket: number;
  /** Records a reservation of `amount` this submission made from its bucket. */
  reserved(amount: bigint): void;
  /** Records the bucket as a failed condition answered it. */
  learned(bucket: Bucket): void;
  /** Lets go of the bucket (once a submission is done with it, whatever happened). */
  release(): void;
}

type BucketChoice =
  | { type: 'leased'; lease: BucketLease }
  | { type: 'insufficient' }
  /** Another writer changed the buckets first (`now`: what was learned is fresh) or a write in flight conflicted (`pause`). */
  | { type: 'retry'; after: 'now' | 'pause' };

/** How many customers' views one process keeps (the oldest loaded is dropped first). */
const MAX_VIEWS = 1000;

const views = new WeakMap<ControlPlaneStore, Map<string, Promise<CustomerBuckets>>>();

function viewsOf(store: ControlPlaneStore): Map<string, Promise<CustomerBuckets>> {
  let found = views.get(store);
  if (found === undefined) {
    found = new Map();
    views.set(store, found);
  }
  return found;
}

/** The process's view of the customer's buckets; loaded once, however many submissions ask for it at once. */
function viewOf(store: ControlPlaneStore, customerId: string): Promise<CustomerBuckets> {
  const byCustomer = viewsOf(store);
  const found = byCustomer.get(customerId);
  if (found !== undefined) return found;
  const loading = store.customerBuckets(customerId).then((buckets): CustomerBuckets => ({ buckets, leased: new Set(), waiting: 0 }));
  // A failed load is forgotten, so that the next submission loads again.
  loading.catch(() => byCustomer.delete(customerId));
  if (byCustomer.size >= MAX_VIEWS) byCustomer.delete(byCustomer.keys().next().value as string);
  byCustomer.set(customerId, loading);
  return loading;
}

function learn(view: CustomerBuckets, bucket: Bucket): void {
  view.buckets[bucket.index] = bucket;
}

function lease(view: CustomerBuckets, index: number): BucketLease {
  view.leased.add(index);
  let held = true;
  return {
    bucket: index,
    reserved(amount) {
      const bucket = view.buckets[index] as Bucket;
      learn(view, { index, available_wei: bucket.available_wei - amount, reserved_wei: bucket.reserved_wei + amount });
      view.last = index;
    },
    learned: (bucket) => learn(view, bucket),
    release() {
      if (held) view.leased.delete(index);
      held = false;
    },
  };
}

/**
 * Leases a bucket whose available covers `price` (not `avoid`, one that just conflicted, unless
 * nothing else covers), refilling one first when none does; `insufficient` when the customer's
 * whole available balance does not cover the price.
 */
async function chooseReservationBucket(store: ControlPlaneStore, customerId: string, price: bigint, avoid?: number): Promise<BucketChoice> {
  const view = await viewOf(store, customerId);
  const chosen = chooseBucket(view.buckets, price, { leased: view.leased, preferred: view.last, avoid, random: Math.random });
  if (chosen !== undefined) return { type: 'leased', lease: lease(view, chosen) };
  if (view.refill !== undefined) {
    view.waiting += 1;
    await view.refill.catch(() => undefined);
    view.waiting -= 1;
    return { type: 'retry', after: 'now' };
  }
  const refill = refillFor(store, customerId, view, price, avoid);
  view.refill = refill;
  try {
    return await refill;
  } finally {
    view.refill = undefined;
  }
}

/** Reads the buckets again and, if none covers `price` but all together do, refills one for this submission and those waiting. */
async function refillFor(
  store: ControlPlaneStore,
  customerId: string,
  view: CustomerBuckets,
  price: bigint,
  avoid: number | undefined,
): Promise<BucketChoice> {
  const choose = () => chooseBucket(view.buckets, price, { leased: view.leased, preferred: view.last, avoid, random: Math.random });
  // The view may be stale (releases and credits only add): read it again.
  view.buckets = await store.customerBuckets(customerId);
  let chosen = choose();
  if (chosen !== undefined) return { type: 'leased', lease: lease(view, chosen) };
  const want = () => price * BigInt(1 + view.waiting);
  let plan = planRefill(view.buckets, price, view.leased, want());
  if (plan === undefined) {
    // A query is not one snapshot when a refill moves money between buckets: only a snapshot may refuse.
    const read = await store.readAccount(customerId);
    if (read.type === 'conflict') return { type: 'retry', after: 'pause' };
    if (read.type === 'not_found') return { type: 'insufficient' };
    view.buckets = read.account.buckets;
    chosen = choose();
    if (chosen !== undefined) return { type: 'leased', lease: lease(view, chosen) };
    plan = planRefill(view.buckets, price, view.leased, want());
    if (plan === undefined) return { type: 'insufficient' };
  }

  const target = lease(view, plan.target);
  const outcome = await store.refillBucket(customerId, plan);
  if (outcome.type === 'refilled') {
    view.buckets = applyRefill(view.buckets, plan);
    return { type: 'leased', lease: target };
  }
  target.release();
  if (outcome.type === 'donor_short') {
    learn(view, outcome.bucket);
    return { type: 'retry', after: 'now' };
  }
  return { type: 'retry', after: 'pause' };
}

/** Forgets every view (tests: a fresh process). */
function forgetBucketViews(store: ControlPlaneStore): void {
  views.delete(store);
}

export type { BucketChoice, BucketLease };
export { chooseReservationBucket, forgetBucketViews };
