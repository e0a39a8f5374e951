/**
 * Which bucket a submission takes, against a store held in memory (the rules that need the
 * emulator, conditions and conflicts, are in the integration tests): the process's view, its
 * leases, the refill when no bucket covers a price, and a refusal only from a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { allBuckets, applyRefill, type Bucket, RESERVATION_BUCKETS } from '../../../lambdas/domain/escrow.js';
import type { AccountRead } from '../../../lambdas/services/ports/accounts.js';
import type { ControlPlaneStore } from '../../../lambdas/services/ports/store.js';
import { chooseReservationBucket } from '../../../lambdas/services/reservation-buckets.js';

/** A customer's buckets in memory; `queried` is what a query answers (a snapshot always answers `buckets`). */
function memoryStore(available: Record<number, bigint>) {
  const state = {
    buckets: allBuckets(
      Object.entries(available).map(([index, amount]) => ({ index: Number(index), available_wei: amount, reserved_wei: 0n })),
    ),
    queried: undefined as Bucket[] | undefined,
    calls: [] as string[],
  };
  const store = {
    customerBuckets: async () => {
      state.calls.push('query');
      return state.queried ?? state.buckets;
    },
    readAccount: async (): Promise<AccountRead> => {
      state.calls.push('snapshot');
      return {
        type: 'found',
        account: {
          customer: { customer_id: 'acme', tokens: [{ token_id: 'tok-1', token_hash: 'h' }] },
          creditSequence: 0,
          buckets: state.buckets,
        },
      };
    },
    refillBucket: async (_: string, plan: Parameters<ControlPlaneStore['refillBucket']>[1]) => {
      state.calls.push(`refill ${plan.target}`);
      state.buckets = applyRefill(state.buckets, plan);
      return { type: 'refilled' as const };
    },
  } as unknown as ControlPlaneStore;
  return { store, state };
}

describe('chooseReservationBucket', () => {
  it('leases distinct buckets to submissions in flight, and the one used last to the next', async () => {
    const { store, state } = memoryStore({ 3: 100n, 7: 100n });

    const first = await chooseReservationBucket(store, 'acme', 10n);
    const second = await chooseReservationBucket(store, 'acme', 10n);
    if (first.type !== 'leased' || second.type !== 'leased') throw new Error('expected two leases');
    first.lease.reserved(10n);
    first.lease.release();
    second.lease.release();
    const third = await chooseReservationBucket(store, 'acme', 10n);

    expect(new Set([first.lease.bucket, second.lease.bucket])).toEqual(new Set([3, 7]));
    expect(third).toMatchObject({ type: 'leased', lease: { bucket: first.lease.bucket } });
    expect(state.calls).toEqual(['query']);
  });

  it('refills one bucket for the submission and those waiting on it, once', async () => {
    const spread = Object.fromEntries(Array.from({ length: RESERVATION_BUCKETS }, (_, index) => [index, 10n]));
    const { store, state } = memoryStore(spread);

    const choices = await Promise.all(Array.from({ length: 3 }, () => chooseReservationBucket(store, 'fresh-customer', 25n)));

    expect(state.calls.filter((call) => call.startsWith('refill'))).toHaveLength(1);
    const refilled = state.buckets.find((bucket) => bucket.available_wei > 10n)!;
    expect(refilled.available_wei).toBeGreaterThanOrEqual(25n);
    expect(choices[0]).toMatchObject({ type: 'leased', lease: { bucket: refilled.index } });
    expect(choices.slice(1)).toEqual([
      { type: 'retry', after: 'now' },
      { type: 'retry', after: 'now' },
    ]);
  });

  it('does not refuse when a query shows less than a snapshot does (a refill moved money while it read)', async () => {
    const { store, state } = memoryStore({ 1: 6n, 2: 6n });
    state.queried = allBuckets([{ index: 1, available_wei: 6n, reserved_wei: 0n }]);

    const choice = await chooseReservationBucket(store, 'another-customer', 10n);

    expect(choice).toMatchObject({ type: 'leased' });
    expect(state.calls).toEqual(['query', 'query', 'snapshot', 'refill 1']);
  });

  it('refuses only when a snapshot shows the whole available balance does not cover the price', async () => {
    const { store, state } = memoryStore({ 1: 6n, 2: 3n });

    const choice = await chooseReservationBucket(store, 'poor-customer', 10n);

    expect(choice).toEqual({ type: 'insufficient' });
    expect(state.calls).toEqual(['query', 'query', 'snapshot']);
  });
});
