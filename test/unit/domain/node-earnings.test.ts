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
