import { formatWei, JOBS_WITHIN_EARNINGS, MAX_PRICE_WEI, MAX_WEI, PRICE_WEI, patternOf } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NodeEarnings, noEarnings, recordPayout } from '../../../lambdas/domain/node-earnings.js';
import { quotePrice } from '../../../lambdas/domain/pricing.js';

const NOW = '2026-01-02T03:04:05.678Z';
const RECEIPT_HASH = 'ab'.repeat(32);

function earnings(payout: bigint, fee: bigint, version = 4): NodeEarnings {
  return { node_id: 'node-a', payout_wei: payout, protocol_fee_wei: fee, version };
}

describe('noEarnings', () => {
  it('starts a node at zero payout, zero fee and version 0 (empty)', () => {
    expect(noEarnings('node-a')).toEqual({ node_id: 'node-a', payout_wei: 0n, protocol_fee_wei: 0n, version: 0 });
  });
});

describe('recordPayout', () => {
  it('adds the payout and the fee and records a row for each (settlement)', () => {
    // Prepare
    const before = earnings(100n, 10n);
    const quote = quotePrice(1000n, { policyVersion: 'flat-v1', protocolFeeBps: 1000 });

    // Act
    const { earnings: after, entries } = recordPayout(before, quote, 'ref-1', 'job-0001', RECEIPT_HASH, NOW);

    // Assess
    expect(after).toEqual({ node_id: 'node-a', payout_wei: 1000n, protocol_fee_wei: 110n, version: 5 });
    expect(entries).toEqual([
      {
        entry_id: 'payout:ref-1',
        node_id: 'node-a',
        kind: 'payout',
        amount_wei: 900n,
        balance_after_wei: 1000n,
        reserved_after_wei: 0n,
        private_job_id: 'job-0001',
        receipt_hash: RECEIPT_HASH,
        created_at: NOW,
      },
      {
        entry_id: 'protocol_fee:ref-1',
        node_id: 'node-a',
        kind: 'protocol_fee',
        amount_wei: 100n,
        balance_after_wei: 110n,
        reserved_after_wei: 0n,
        private_job_id: 'job-0001',
        receipt_hash: RECEIPT_HASH,
        created_at: NOW,
      },
    ]);
    expect(before).toEqual(earnings(100n, 10n));
  });

  it.each([
    { case: 'no fee', price: 1000n, bps: 0, payout: 1000n, fee: 0n },
    { case: 'fee floors to 0 on 1 wei', price: 1n, bps: 9999, payout: 1n, fee: 0n },
    { case: 'largest fee', price: 10_000n, bps: 9999, payout: 1n, fee: 9999n },
    { case: 'free job', price: 0n, bps: 500, payout: 0n, fee: 0n },
  ])('keeps quoted − payout as the fee ($case)', ({ price, bps, payout, fee }) => {
    // Prepare
    const quote = quotePrice(price, { policyVersion: 'flat-v1', protocolFeeBps: bps });

    // Act
    const { earnings: after, entries } = recordPayout(noEarnings('node-a'), quote, 'ref-1', 'job-0001', RECEIPT_HASH, NOW);

    // Assess
    expect(after).toEqual({ node_id: 'node-a', payout_wei: payout, protocol_fee_wei: fee, version: 1 });
    expect(entries.map((entry) => [entry.kind, entry.amount_wei])).toEqual([
      ['payout', payout],
      ['protocol_fee', fee],
    ]);
  });

  it('pays out plus keeps exactly what was quoted over any sequence of jobs (property)', () => {
    const job = fc.record({ price: fc.bigInt({ min: 0n, max: 10n ** 30n }), bps: fc.integer({ min: 0, max: 9999 }) });
    fc.assert(
      fc.property(fc.array(job, { maxLength: 30 }), (jobs) => {
        // Prepare
        let current = noEarnings('node-a');
        let quoted = 0n;

        for (const [index, { price, bps }] of jobs.entries()) {
          const quote = quotePrice(price, { policyVersion: 'flat-v1', protocolFeeBps: bps });

          // Act
          const { earnings: next, entries } = recordPayout(current, quote, `ref-${index}`, `job-${index}`, RECEIPT_HASH, NOW);

          // Assess
          quoted += price;
          const [payoutRow, feeRow] = entries;
          expect(entries).toHaveLength(2);
          expect(payoutRow!.amount_wei + feeRow!.amount_wei).toBe(price);
          expect(payoutRow!.balance_after_wei).toBe(next.payout_wei);
          expect(feeRow!.balance_after_wei).toBe(next.protocol_fee_wei);
          expect(feeRow!.amount_wei).toBeGreaterThanOrEqual(0n);
          expect(next.version).toBe(current.version + 1);
          expect(next.payout_wei + next.protocol_fee_wei).toBe(quoted);
          current = next;
        }
        expect(current.version).toBe(jobs.length);
      }),
    );
  });
});

describe('the highest price per job (the earnings bound)', () => {
  const policy = (protocolFeeBps: number) => ({ policyVersion: 'flat-v1', protocolFeeBps });

  it('is 26 nines, and the enrollment schema takes exactly the prices up to it', () => {
    const pattern = patternOf(PRICE_WEI);

    expect(MAX_PRICE_WEI).toBe(10n ** 26n - 1n);
    expect(MAX_PRICE_WEI * JOBS_WITHIN_EARNINGS).toBeLessThanOrEqual(MAX_WEI);
    expect(pattern.test(MAX_PRICE_WEI.toString())).toBe(true);
    expect(pattern.test((MAX_PRICE_WEI + 1n).toString())).toBe(false);
  });

  it.each([
    { case: 'no fee', bps: 0 },
    { case: '5% fee', bps: 500 },
    { case: 'the highest fee', bps: 9999 },
  ])('keeps the earnings within 38 digits for a trillion jobs at the highest price ($case)', ({ bps }) => {
    // Prepare: the node has already settled all but the last of JOBS_WITHIN_EARNINGS jobs at the highest price.
    const quote = quotePrice(MAX_PRICE_WEI, policy(bps));
    const done = JOBS_WITHIN_EARNINGS - 1n;
    const before = earnings(done * quote.payout_price_wei, done * (quote.quoted_price_wei - quote.payout_price_wei));

    // Act
    const { earnings: after, entries } = recordPayout(before, quote, 'ref-last', 'job-last', RECEIPT_HASH, NOW);

    // Assess: every number the settlement writes is one DynamoDB (and the API) can hold.
    for (const amount of [after.payout_wei, after.protocol_fee_wei, ...entries.map((entry) => entry.balance_after_wei)]) {
      expect(amount).toBeLessThanOrEqual(MAX_WEI);
      expect(formatWei(amount)).toMatch(/^[0-9]{1,38}$/);
    }
    expect(after.payout_wei + after.protocol_fee_wei).toBe(JOBS_WITHIN_EARNINGS * MAX_PRICE_WEI);
  });

  it('is why a 38-digit price is refused: its second job would take the earnings past 38 digits', () => {
    const quote = quotePrice(MAX_WEI, policy(0));
    const once = recordPayout(noEarnings('node-a'), quote, 'ref-1', 'job-1', RECEIPT_HASH, NOW).earnings;

    const twice = recordPayout(once, quote, 'ref-2', 'job-2', RECEIPT_HASH, NOW).earnings;

    expect(twice.payout_wei).toBeGreaterThan(MAX_WEI);
    expect(() => formatWei(twice.payout_wei)).toThrow(RangeError);
  });
});
