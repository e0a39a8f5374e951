import { type IdKind, isId } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';

describe('isId', () => {
  it.each<{ case: string; kind: IdKind; value: string }>([
    { case: 'node_id of one char', kind: 'node_id', value: 'n' },
    { case: 'node_id of 63 chars', kind: 'node_id', value: `n${'a'.repeat(62)}` },
    { case: 'node_id with _ and -', kind: 'node_id', value: 'node_alpha-1' },
    { case: 'customer_id with . and :', kind: 'customer_id', value: 'acme.corp:eu-1' },
    { case: 'customer_id of 128 chars', kind: 'customer_id', value: `c${'x'.repeat(127)}` },
    { case: 'job_id with . and :', kind: 'job_id', value: 'job.2026:01_a-b' },
    { case: 'job_id of 128 chars', kind: 'job_id', value: `j${'1'.repeat(127)}` },
    { case: 'credit_id with . and :', kind: 'credit_id', value: 'credit.1:a' },
    { case: 'credit_id of 128 chars', kind: 'credit_id', value: `9${'z'.repeat(127)}` },
    { case: 'key_id of 64 chars', kind: 'key_id', value: `k${'e'.repeat(63)}` },
    { case: 'key_id with . and :', kind: 'key_id', value: 'tk.2026:11' },
    { case: 'model_id with /', kind: 'model_id', value: 'meta/llama-3.1-8b-instruct' },
    { case: 'model_id of 128 chars', kind: 'model_id', value: `m${'/'.repeat(127)}` },
  ])('accepts a valid id ($case)', ({ kind, value }) => {
    expect(isId(kind, value)).toBe(true);
  });

  it.each<{ case: string; kind: IdKind; value: unknown }>([
    { case: 'node_id of 64 chars', kind: 'node_id', value: `n${'a'.repeat(63)}` },
    { case: 'node_id with .', kind: 'node_id', value: 'node.alpha' },
    { case: 'node_id with :', kind: 'node_id', value: 'node:alpha' },
    { case: 'node_id with /', kind: 'node_id', value: 'node/alpha' },
    { case: 'node_id with leading -', kind: 'node_id', value: '-node' },
    { case: 'node_id empty', kind: 'node_id', value: '' },
    { case: 'customer_id of 129 chars', kind: 'customer_id', value: `c${'x'.repeat(128)}` },
    { case: 'customer_id with leading .', kind: 'customer_id', value: '.acme' },
    { case: 'customer_id with /', kind: 'customer_id', value: 'acme/eu' },
    { case: 'job_id of 129 chars', kind: 'job_id', value: `j${'1'.repeat(128)}` },
    { case: 'job_id with leading -', kind: 'job_id', value: '-job' },
    { case: 'job_id with space', kind: 'job_id', value: 'job 1' },
    { case: 'job_id with trailing newline', kind: 'job_id', value: 'job1\n' },
    { case: 'credit_id of 129 chars', kind: 'credit_id', value: `9${'z'.repeat(128)}` },
    { case: 'key_id of 65 chars', kind: 'key_id', value: `k${'e'.repeat(64)}` },
    { case: 'key_id with /', kind: 'key_id', value: 'tk/1' },
    { case: 'model_id of 129 chars', kind: 'model_id', value: `m${'a'.repeat(128)}` },
    { case: 'model_id with leading /', kind: 'model_id', value: '/llama' },
    { case: 'model_id with leading -', kind: 'model_id', value: '-llama' },
    { case: 'unicode letter', kind: 'customer_id', value: 'kundé' },
    { case: 'unicode digit', kind: 'job_id', value: 'job٣' },
    { case: 'number', kind: 'job_id', value: 12 },
    { case: 'null', kind: 'node_id', value: null },
    { case: 'undefined', kind: 'key_id', value: undefined },
    { case: 'array of a valid id', kind: 'model_id', value: ['llama'] },
    { case: 'object', kind: 'customer_id', value: { id: 'acme' } },
  ])('rejects an invalid id ($case)', ({ kind, value }) => {
    expect(isId(kind, value)).toBe(false);
  });
});
