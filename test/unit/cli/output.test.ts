import type { JobView } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJob, wei } from '../../../packages/sdk/src/cli/output.js';

describe('wei', () => {
  it.each([
    { amount: '0', shown: '0 wei (0 ETH)' },
    { amount: '1', shown: '1 wei (0.000000000000000001 ETH)' },
    { amount: '1000000000000000', shown: '1000000000000000 wei (0.001 ETH)' },
    { amount: '1500000000000000000', shown: '1500000000000000000 wei (1.5 ETH)' },
    {
      amount: '99999999999999999999999999999999999999',
      shown: '99999999999999999999999999999999999999 wei (99999999999999999999.999999999999999999 ETH)',
    },
  ])('shows $amount exactly, with ETH beside it', ({ amount, shown }) => {
    expect(wei(amount)).toBe(shown);
  });

  it('shows an ETH figure that converts back to the same wei', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 38n - 1n }), (amount) => {
        const eth = /\(([0-9.]+) ETH\)$/.exec(wei(amount.toString()))![1]!;
        const [whole, fraction = ''] = eth.split('.');
        expect(BigInt(whole!) * 10n ** 18n + BigInt(fraction.padEnd(18, '0'))).toBe(amount);
      }),
    );
  });
});

describe('formatJob', () => {
  const job: JobView = {
    job_id: 'job-1',
    node_id: 'node-1',
    model_id: 'm',
    status: 'completed',
    encrypted_request: {} as JobView['encrypted_request'],
    encrypted_response: {} as JobView['encrypted_request'],
    receipt_hash: null,
    billing: {
      customer_id: 'c',
      policy_version: 'flat-v1',
      quoted_price_wei: '5',
      reserved_price_wei: '5',
      payout_price_wei: '4',
      status: 'reserved',
    },
    created_at: '2026-01-01T00:00:00Z',
    claim_deadline: '2026-01-01T00:15:00.000Z',
    completion_deadline: '2026-01-01T01:00:00.000Z',
    completed_at: '2026-01-01T00:00:05Z',
  };

  it('says how to open a sealed answer', () => {
    expect(formatJob(job)).toContain('add --decrypt to open it');
  });

  it.each<{ case: JobView['status']; shown: string | undefined }>([
    { case: 'queued', shown: 'expires unless a node claims it by 2026-01-01T00:15:00.000Z' },
    { case: 'claimed', shown: 'expires unless answered by 2026-01-01T01:00:00.000Z' },
    { case: 'completed', shown: undefined },
    { case: 'failed', shown: undefined },
    { case: 'expired', shown: undefined },
    { case: 'cancelled', shown: undefined },
  ])('shows the deadline a $case job must meet next, if any', ({ case: status, shown }) => {
    const text = formatJob({ ...job, status, completed_at: null });
    const deadlines = text.split('\n').filter((line) => line.startsWith('expires unless'));
    expect(deadlines).toEqual(shown === undefined ? [] : [shown]);
  });

  it('shows an opened answer, or the node’s error', () => {
    const answered = formatJob(job, {
      message: { role: 'assistant', content: 'Hello!' },
      usage: { prompt_tokens: 2, completion_tokens: 3 },
    });
    const failed = formatJob(job, { error: { code: 'model_failed', message: 'out of memory' } });

    expect(answered).toContain('\nHello!\n');
    expect(answered).toContain('2 prompt + 3 completion tokens');
    expect(failed).toContain('the node could not answer: model_failed: out of memory');
  });
});
