import { describe, expect, it } from 'vitest';
import { CustomerRateLimiter } from '../../../lambdas/domain/rate-limit.js';

function takeMany(limiter: CustomerRateLimiter, customerId: string, count: number, nowMs: number): boolean[] {
  return Array.from({ length: count }, () => limiter.tryTake(customerId, nowMs));
}

describe('CustomerRateLimiter', () => {
  it('allows a burst, then refuses (burst)', () => {
    // Prepare
    const limiter = new CustomerRateLimiter({ perSecond: 1, burst: 5 });

    // Act
    const results = takeMany(limiter, 'acme', 7, 1_000);

    // Assess
    expect(results).toEqual([true, true, true, true, true, false, false]);
  });

  it('refills at perSecond over time, up to the burst (refill)', () => {
    // Prepare
    const limiter = new CustomerRateLimiter({ perSecond: 2, burst: 3 });
    takeMany(limiter, 'acme', 3, 0);

    // Act
    const atQuarterSecond = limiter.tryTake('acme', 250);
    const atHalfSecond = limiter.tryTake('acme', 500);
    const atHalfSecondAgain = limiter.tryTake('acme', 500);
    const afterLongIdle = takeMany(limiter, 'acme', 4, 60_000);

    // Assess
    expect(atQuarterSecond).toBe(false);
    expect(atHalfSecond).toBe(true);
    expect(atHalfSecondAgain).toBe(false);
    expect(afterLongIdle).toEqual([true, true, true, false]);
  });

  it('keeps a bucket per customer (isolation)', () => {
    // Prepare
    const limiter = new CustomerRateLimiter({ perSecond: 1, burst: 2 });
    takeMany(limiter, 'acme', 3, 0);

    // Act
    const other = takeMany(limiter, 'globex', 3, 0);
    const first = limiter.tryTake('acme', 0);

    // Assess
    expect(other).toEqual([true, true, false]);
    expect(first).toBe(false);
  });

  it('drops only idle (full) buckets once it tracks 10 000 customers (bounded memory)', () => {
    // Prepare: one customer who used the whole burst, and enough others to reach the cap.
    const limiter = new CustomerRateLimiter({ perSecond: 1, burst: 2 });
    takeMany(limiter, 'busy', 2, 0);
    for (let i = 1; i < 10_000; i++) limiter.tryTake(`idle-${i}`, 0);

    // Act: a second later the idle buckets are full again, and a new customer arrives.
    const newcomer = limiter.tryTake('newcomer', 1_000);
    const busy = takeMany(limiter, 'busy', 2, 1_000);

    // Assess: the busy customer kept its (refilled by one) bucket; a dropped bucket would allow two.
    expect(newcomer).toBe(true);
    expect(busy).toEqual([true, false]);
  });

  it('drops nothing while the cap is not reached (below cap)', () => {
    // Prepare
    const limiter = new CustomerRateLimiter({ perSecond: 1, burst: 2 });
    takeMany(limiter, 'busy', 2, 0);

    // Act
    const busy = takeMany(limiter, 'busy', 2, 1_000);

    // Assess
    expect(busy).toEqual([true, false]);
  });

  it.each([
    { case: 'perSecond zero', limit: { perSecond: 0, burst: 10 } },
    { case: 'perSecond negative', limit: { perSecond: -1, burst: 10 } },
    { case: 'perSecond NaN', limit: { perSecond: Number.NaN, burst: 10 } },
    { case: 'burst zero', limit: { perSecond: 1, burst: 0 } },
    { case: 'burst below one', limit: { perSecond: 1, burst: 0.5 } },
    { case: 'burst NaN', limit: { perSecond: 1, burst: Number.NaN } },
  ])('throws RangeError for an unusable limit ($case)', ({ limit }) => {
    expect(() => new CustomerRateLimiter(limit)).toThrow(RangeError);
  });
});
