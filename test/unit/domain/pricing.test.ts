import { MAX_WEI } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertPricingPolicy, type PricingPolicy, quotePrice } from '../../../lambdas/domain/pricing.js';

describe('quotePrice', () => {
  it.each([
    { case: 'no fee', price: 1000n, bps: 0, payout: 1000n },
    { case: '10% fee', price: 1000n, bps: 1000, payout: 900n },
    { case: '99.99% fee', price: 10_000n, bps: 9999, payout: 1n },
    { case: 'fee floors to 0 on 1 wei', price: 1n, bps: 9999, payout: 1n },
    { case: 'fee of 1 bps floors to 1 on 10001 wei', price: 10_001n, bps: 1, payout: 10_000n },
    { case: 'fee of 1 bps floors to 0 on 9999 wei', price: 9999n, bps: 1, payout: 9999n },
    { case: '10% fee floors on 19 wei', price: 19n, bps: 1000, payout: 18n },
    { case: 'largest price, no fee', price: MAX_WEI, bps: 0, payout: MAX_WEI },
  ])('reserves the quoted price and pays out quoted minus the floored fee ($case)', ({ price, bps, payout }) => {
    // Act
    const quote = quotePrice(price, { policyVersion: 'flat-v1', protocolFeeBps: bps });

    // Assess
    expect(quote).toEqual({ policy_version: 'flat-v1', quoted_price_wei: price, reserved_price_wei: price, payout_price_wei: payout });
  });

  it('never pays out more than quoted and keeps exactly floor(quoted × bps / 10000) (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_WEI }), fc.integer({ min: 0, max: 9999 }), (price, bps) => {
        // Act
        const quote = quotePrice(price, { policyVersion: 'flat-v1', protocolFeeBps: bps });

        // Assess
        expect(quote.payout_price_wei).toBeLessThanOrEqual(quote.quoted_price_wei);
        expect(quote.payout_price_wei).toBeGreaterThanOrEqual(0n);
        expect(quote.quoted_price_wei - quote.payout_price_wei).toBe((price * BigInt(bps)) / 10_000n);
        expect(quote.reserved_price_wei).toBe(price);
      }),
    );
  });
});

describe('assertPricingPolicy', () => {
  it.each([
    { case: 'zero fee', policy: { policyVersion: 'flat-v1', protocolFeeBps: 0 } },
    { case: 'largest fee', policy: { policyVersion: 'flat-v1', protocolFeeBps: 9999 } },
  ])('returns a valid policy ($case)', ({ policy }) => {
    expect(assertPricingPolicy(policy)).toBe(policy);
  });

  it.each<{ case: string; policy: PricingPolicy }>([
    { case: 'negative fee', policy: { policyVersion: 'flat-v1', protocolFeeBps: -1 } },
    { case: 'fee of 10000 bps', policy: { policyVersion: 'flat-v1', protocolFeeBps: 10_000 } },
    { case: 'fractional fee', policy: { policyVersion: 'flat-v1', protocolFeeBps: 1.5 } },
    { case: 'NaN fee', policy: { policyVersion: 'flat-v1', protocolFeeBps: Number.NaN } },
    { case: 'empty policy version', policy: { policyVersion: '', protocolFeeBps: 100 } },
  ])('throws RangeError for an invalid policy ($case)', ({ policy }) => {
    expect(() => assertPricingPolicy(policy)).toThrow(RangeError);
  });
});
