import type { JobView } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJob, formatJobList, formatNodeList, printable, wei } from '../../../packages/sdk/src/cli/output.js';

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

describe('printable', () => {
  it.each([
    { case: 'an ESC sequence that clears the screen', text: 'a\u001b[2Jb', shown: 'a\\u001b[2Jb' },
    { case: 'an OSC title change ended by BEL', text: '\u001b]0;pwned\u0007', shown: '\\u001b]0;pwned\\u0007' },
    { case: 'a carriage return that rewrites the line', text: 'ok\rno', shown: 'ok\\u000dno' },
    { case: 'a C1 CSI and DEL', text: '\u009b31m\u007f', shown: '\\u009b31m\\u007f' },
    { case: 'newlines, tabs and other text', text: 'line 1\n\tline 2 ünï 🙂', shown: 'line 1\n\tline 2 ünï 🙂' },
  ])('shows $case escaped', ({ text, shown }) => {
    expect(printable(text)).toBe(shown);
  });

  it('leaves no control character but newline and tab in any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the property is about control characters.
        expect(printable(text)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      }),
    );
  });

  it('is applied to a node’s answer and error in a job’s human output', () => {
    const job = {
      job_id: 'job-1',
      node_id: 'n',
      model_id: 'm',
      status: 'completed',
      billing: { quoted_price_wei: '1', status: 'settled' },
      created_at: 't',
      completed_at: null,
      encrypted_response: null,
      receipt_hash: null,
    } as unknown as JobView;

    const answered = formatJob(job, {
      message: { role: 'assistant', content: 'hi\u001b[2J' },
      usage: { prompt_tokens: 1, completion_tokens: 1 },
    });
    const failed = formatJob(job, { error: { code: 'x\u001b', message: 'y\u0007' } });

    expect(answered).toContain('hi\\u001b[2J');
    expect(failed).toContain('x\\u001b: y\\u0007');
    expect(answered + failed).not.toContain('\u001b');
  });
});

describe('listing tables', () => {
  it('shows nodes one row per model, columns aligned, and a node that never called as never', () => {
    const text = formatNodeList([
      {
        node_id: 'node-a',
        status: 'active',
        models: [
          { model_id: 'm-1', price_wei: '5' },
          { model_id: 'model-long', price_wei: '70' },
        ],
        last_seen_at: null,
      },
      { node_id: 'node-bb', status: 'active', models: [{ model_id: 'm-1', price_wei: '6' }], last_seen_at: '2026-01-01T00:00:00.000Z' },
    ]);

    expect(text.split('\n')).toEqual([
      'NODE     STATUS  MODEL       PRICE (wei)  LAST SEEN',
      'node-a   active  m-1         5            never',
      'node-a   active  model-long  70           never',
      'node-bb  active  m-1         6            2026-01-01T00:00:00.000Z',
    ]);
  });

  it('says when there is nothing to list, and when older jobs remain', () => {
    const job = {
      job_id: 'job-1',
      node_id: 'node-a',
      model_id: 'm-1',
      status: 'queued',
      receipt_hash: null,
      billing: {
        customer_id: 'cus-1',
        policy_version: 'flat-v1',
        quoted_price_wei: '5',
        reserved_price_wei: '5',
        payout_price_wei: '4',
        status: 'reserved',
      },
      created_at: '2026-01-01T00:00:00.000Z',
      claim_deadline: '2026-01-01T00:15:00.000Z',
      completion_deadline: '2026-01-01T01:00:00.000Z',
      completed_at: null,
    } as const;

    expect(formatJobList([], false)).toBe('no jobs');
    expect(formatNodeList([])).toBe('no active nodes');
    expect(formatJobList([job], true).split('\n')).toEqual([
      'JOB    STATUS  NODE    MODEL  PRICE (wei)  CREATED',
      'job-1  queued  node-a  m-1    5            2026-01-01T00:00:00.000Z',
      'more jobs: raise --limit to see older ones',
    ]);
  });

  it('escapes a control character a model id brings (printed through printable)', () => {
    const text = formatNodeList([
      { node_id: 'node-a', status: 'active', models: [{ model_id: 'm\u001b[2J', price_wei: '5' }], last_seen_at: null },
    ]);

    expect(printable(text)).toContain('m\\u001b[2J');
    expect(printable(text)).not.toContain('\u001b');
  });
});
