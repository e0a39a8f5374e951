/**
 * The views that shape the answers, against the OpenAPI document rendered from the same schema
 * declarations: each view's output is a valid answer of the operations that send it. The views
 * are typed from those declarations (`Infer`), so the negative controls at the end are checked by
 * the type check itself: an `@ts-expect-error` that stops finding an error fails `npm run typecheck`.
 */

import type { Envelope, Infer } from '@b3iq/protocol';
import {
  ACCOUNT_VIEW,
  type AccountView,
  type BillingJobView,
  encodeBase64url,
  type JobAccepted,
  type JobView,
  type NodeCommand,
  type NodeJobView,
  type NodeView,
  type ReceiptView,
  receiptHash,
  receiptText,
  type UsageView,
  WEI,
} from '@b3iq/protocol';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { accountView, creditEntry, debitEntry, reserveEntry } from '../../../lambdas/domain/account.js';
import type { Job, JobEnvelopes } from '../../../lambdas/domain/job.js';
import { acceptanceView, billingJobView, jobView, nodeCommand, nodeJobView } from '../../../lambdas/domain/job.js';
import { NO_TOTALS, withRunningTotals } from '../../../lambdas/domain/ledger-totals.js';
import { type InferenceNode, nodeView } from '../../../lambdas/domain/node.js';
import { PROBLEMS, Problem, type ProblemCode } from '../../../lambdas/domain/problems.js';
import { receiptView } from '../../../lambdas/domain/receipt.js';
import { addToUsageTotals, type UsageTotals, usageView } from '../../../lambdas/domain/usage.js';
import { openApiContract } from '../../integration/support/openapi-contract.js';

const contract = openApiContract();
const NOW = new Date('2026-01-02T03:30:00.000Z');

/** Why `body` is not a valid answer of the operation, or `undefined`. */
function answerProblem(route: string, status: number, body: unknown): string | undefined {
  const [method, template] = route.split(' ') as [string, string];
  return contract.answerProblem(method, template, { status, headers: { 'Content-Type': 'application/json' }, body });
}

function job(overrides: Partial<Job> = {}): Job {
  return {
    customer_id: 'acme',
    job_id: 'job-1',
    node_id: 'node-alpha',
    model_id: 'meta/llama-3.1-8b',
    command_id: 'cmd-1',
    status: 'queued',
    billing_status: 'reserved',
    quote: { policy_version: 'flat-v1', quoted_price_wei: 1000n, reserved_price_wei: 1100n, payout_price_wei: 900n },
    reservation_bucket: 7,
    request_fingerprint: 'f'.repeat(64),
    request_sha256: 'a'.repeat(64),
    request_key_id: 'tk-1',
    receipt_hash: null,
    created_at: '2026-01-02T03:04:05.678Z',
    claim_deadline: '2026-01-02T03:19:05.678Z',
    completion_deadline: '2026-01-02T04:04:05.678Z',
    claimed_at: null,
    completed_at: null,
    ...overrides,
  };
}

const COMPLETED = job({
  status: 'completed',
  billing_status: 'debited',
  receipt_hash: 'b'.repeat(64),
  claimed_at: '2026-01-02T03:05:00.000Z',
  completed_at: '2026-01-02T03:06:00.000Z',
});

function envelope(withAadHash: boolean): Envelope {
  return {
    version: 'b3iq-private-transport-v1',
    key_id: 'tk-1',
    algorithm: 'x25519-hkdf-sha256-chacha20poly1305',
    client_public_key_x25519: encodeBase64url(new Uint8Array(32).fill(1)),
    nonce: encodeBase64url(new Uint8Array(12).fill(2)),
    ciphertext: encodeBase64url(new Uint8Array(40).fill(3)),
    ...(withAadHash ? { aad_hash: encodeBase64url(new Uint8Array(32).fill(4)) } : {}),
  };
}

describe('the job views', () => {
  it.each<{ case: string; job: Job; envelopes: JobEnvelopes }>([
    { case: 'queued, request kept', job: job(), envelopes: { encrypted_request: envelope(true), encrypted_response: null } },
    { case: 'completed, both kept', job: COMPLETED, envelopes: { encrypted_request: envelope(false), encrypted_response: envelope(true) } },
    { case: 'completed, purged', job: COMPLETED, envelopes: { encrypted_request: null, encrypted_response: null } },
  ])('answer GET job and cancel as the document says ($case)', ({ job, envelopes }) => {
    const view = jobView(job, envelopes);

    expect(answerProblem('GET /v1/private-inference/jobs/{job_id}', 200, view)).toBeUndefined();
    expect(answerProblem('POST /v1/private-inference/jobs/{job_id}/cancel', 200, view)).toBeUndefined();
    expect(view.billing).toEqual({
      customer_id: 'acme',
      policy_version: 'flat-v1',
      quoted_price_wei: '1000',
      reserved_price_wei: '1100',
      payout_price_wei: '900',
      status: job.billing_status,
    });
  });

  it('answers an acceptance as reserved and queued, whatever the job became since (replay)', () => {
    const view = acceptanceView(COMPLETED);

    expect(answerProblem('POST /v1/private-inference/jobs', 202, view)).toBeUndefined();
    expect(view.status).toBe('queued');
    expect(view.billing.status).toBe('reserved');
  });

  it.each([job(), COMPLETED])('answers the billing view without an envelope (%#)', (subject) => {
    const view = billingJobView(subject);

    expect(answerProblem('GET /v1/billing/jobs/{job_id}', 200, view)).toBeUndefined();
    expect(view).not.toHaveProperty('encrypted_request');
  });

  it('answers a node its job, with lease_expires_at only when a lease was extended', () => {
    const closed = nodeJobView(COMPLETED);
    const leased = nodeJobView(job({ status: 'claimed' }), '2026-01-02T03:32:00.000Z');

    for (const route of ['lease', 'result', 'failure']) {
      expect(answerProblem(`POST /v1/nodes/{node_id}/commands/{command_id}/${route}`, 200, closed)).toBeUndefined();
    }
    expect(answerProblem('POST /v1/nodes/{node_id}/commands/{command_id}/lease', 200, leased)).toBeUndefined();
    expect(Object.keys(closed)).toEqual(['job_id', 'command_id', 'status', 'receipt_hash']);
    expect(leased.lease_expires_at).toBe('2026-01-02T03:32:00.000Z');
  });

  it('puts the command a node pulls in the pull answer the document describes', () => {
    const command = nodeCommand(job({ status: 'claimed' }), envelope(true));
    const pulled = { commands: [{ command, lease_id: 'lease-1', lease_expires_at: '2026-01-02T03:32:00.000Z', delivery: 1 }] };

    expect(answerProblem('POST /v1/nodes/{node_id}/commands/pull', 200, pulled)).toBeUndefined();
    expect(command.price_wei).toBe('1000');
    expect(command).not.toHaveProperty('customer_id');
  });
});

describe('the account and usage views', () => {
  it('answers the account with what is available', () => {
    const view = accountView('acme', { balance_wei: 500n, reserved_wei: 120n, available_wei: 380n }, 'flat-v1');

    expect(answerProblem('GET /v1/billing/account', 200, view)).toBeUndefined();
    expect(answerProblem('POST /v1/admin/customers/{customer_id}/credits', 200, view)).toBeUndefined();
    expect(view).toEqual({ customer_id: 'acme', balance_wei: '500', reserved_wei: '120', available_wei: '380', policy_version: 'flat-v1' });
  });

  it('totals every row of the window by kind and shows only the newest `limit` entries', () => {
    // Prepare: credit 500, reserve 100, debit it; the ledger reads newest first.
    const rows = withRunningTotals(NO_TOTALS, [
      creditEntry('acme', 500n, 'credit-1', '2026-01-02T03:00:00.000Z'),
      reserveEntry('acme', 100n, 'job-1', '2026-01-02T03:01:00.000Z'),
      debitEntry('acme', 100n, 'job-1', 'c'.repeat(64), '2026-01-02T03:02:00.000Z'),
    ]).toReversed();

    // Act
    const totals: UsageTotals = new Map();
    addToUsageTotals(totals, rows);
    const view = usageView('acme', totals, rows.slice(0, 2), NOW);

    // Assess
    expect(answerProblem('GET /v1/billing/usage', 200, view)).toBeUndefined();
    expect(view.generated_at).toBe(NOW.toISOString());
    expect(view.totals).toEqual([
      { kind: 'debit', count: 1, amount_wei: '100' },
      { kind: 'reserve', count: 1, amount_wei: '100' },
      { kind: 'credit', count: 1, amount_wei: '500' },
    ]);
    expect(view.entries.map((entry) => entry.kind)).toEqual(['debit', 'reserve']);
    expect(view.entries[0]).toMatchObject({ private_job_id: 'job-1', receipt_hash: 'c'.repeat(64), balance_after_wei: '400' });
  });

  it('adds up repeated kinds', () => {
    const [first, second] = withRunningTotals(NO_TOTALS, [
      creditEntry('acme', 5n, 'credit-1', '2026-01-02T03:00:00.000Z'),
      creditEntry('acme', 7n, 'credit-2', '2026-01-02T03:01:00.000Z'),
    ]);

    const totals: UsageTotals = new Map();
    addToUsageTotals(totals, [second!]);
    addToUsageTotals(totals, [first!]);

    expect(usageView('acme', totals, [second!, first!], NOW).totals).toEqual([{ kind: 'credit', count: 2, amount_wei: '12' }]);
  });
});

describe('the node and receipt views', () => {
  const key = (id: string, validUntil: string | null) => ({
    key_id: id,
    public_key_x25519: encodeBase64url(new Uint8Array(32).fill(5)),
    signed_record: `{"key_id":"${id}"}`,
    signature: 'c2ln',
    issued_at: '2026-01-01T00:00:00.000Z',
    valid_until: validUntil,
  });
  const node: InferenceNode = {
    node_id: 'node-alpha',
    status: 'active',
    models: [{ model_id: 'meta/llama-3.1-8b', price_wei: 1000n }],
    transport_keys: [key('tk-old', '2026-01-02T03:00:00.000Z'), key('tk-1', null), key('tk-2', '2026-02-01T00:00:00.000Z')],
    identity_public_key_ed25519: null,
    updated_at: '2026-01-01T00:00:00.000Z',
  };

  it('answers a node with its current keys only, and nothing of its identity or history', () => {
    const view = nodeView(node, NOW, '2026-01-31T23:59:00.000Z');

    expect(answerProblem('GET /v1/private-inference/nodes/{node_id}', 200, view)).toBeUndefined();
    expect(answerProblem('PUT /v1/admin/nodes/{node_id}', 200, view)).toBeUndefined();
    expect(view.transport_keys.map((published) => published.key_id)).toEqual(['tk-1', 'tk-2']);
    expect(view.transport_keys[0]).not.toHaveProperty('issued_at');
    expect(view.models).toEqual([{ model_id: 'meta/llama-3.1-8b', price_wei: '1000' }]);
    expect(view.last_seen_at).toBe('2026-01-31T23:59:00.000Z');
  });

  it('answers a receipt as the signed document, with nothing that names the customer', () => {
    // Prepare
    const text = receiptText({
      type: 'b3iq-receipt-v1',
      node_id: 'node-alpha',
      model_id: 'meta/llama-3.1-8b',
      job_id: 'job-1',
      command_id: 'cmd-1',
      usage: { prompt_tokens: 3, completion_tokens: 5 },
      price_wei: '1000',
      request_sha256: 'a'.repeat(64),
      response_sha256: 'd'.repeat(64),
      issued_at: '2026-01-02T03:06:00.000Z',
    });
    const stored = {
      receipt_hash: receiptHash(text),
      job_id: 'job-1',
      node_id: 'node-alpha',
      model_id: 'meta/llama-3.1-8b',
      status: 'accepted' as const,
      received_at: '2026-01-02T03:06:01.000Z',
      signature_ed25519: encodeBase64url(new Uint8Array(64).fill(6)),
      receipt_text: text,
    };

    // Act
    const view = receiptView(stored);

    // Assess
    expect(answerProblem('GET /v1/receipts/{receipt_hash}', 200, view)).toBeUndefined();
    expect(view.receipt).toEqual(JSON.parse(text));
    expect(view).not.toHaveProperty('receipt_text');
  });
});

describe('the problem body', () => {
  it.each(Object.keys(PROBLEMS) as ProblemCode[])('of %s is the Problem the document shows', (code) => {
    const validate = contract.validator({ $ref: '#/components/schemas/Problem' });

    const body = new Problem(code, 'a detail').toBody();

    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(body.error).toEqual({ status: PROBLEMS[code].status, title: PROBLEMS[code].title, detail: 'a detail', code });
  });
});

describe('a view and its schema declaration', () => {
  it('give every view exactly the type of its declaration (checked by tsc)', () => {
    expectTypeOf(acceptanceView).returns.toEqualTypeOf<JobAccepted>();
    expectTypeOf(jobView).returns.toEqualTypeOf<JobView>();
    expectTypeOf(billingJobView).returns.toEqualTypeOf<BillingJobView>();
    expectTypeOf(nodeJobView).returns.toEqualTypeOf<NodeJobView>();
    expectTypeOf(nodeCommand).returns.toEqualTypeOf<NodeCommand>();
    expectTypeOf(accountView).returns.toEqualTypeOf<AccountView>();
    expectTypeOf(usageView).returns.toEqualTypeOf<UsageView>();
    expectTypeOf(nodeView).returns.toEqualTypeOf<NodeView>();
    expectTypeOf(receiptView).returns.toEqualTypeOf<ReceiptView>();
  });

  it('cannot disagree on a field without failing the type check (negative controls)', () => {
    const view = accountView('acme', { balance_wei: 1n, reserved_wei: 0n, available_wei: 1n }, 'flat-v1');
    // The schema with one more field, as if a field were declared and no view sent it.
    const WIDER = {
      ...ACCOUNT_VIEW,
      properties: { ...ACCOUNT_VIEW.properties, bonus_wei: WEI },
      required: [...ACCOUNT_VIEW.required, 'bonus_wei'],
    } as const;

    // @ts-expect-error: a view that sends a field its schema does not declare
    const extra: AccountView = { ...view, bonus_wei: '1' };
    // @ts-expect-error: a view that leaves out a field its schema requires
    const missing: AccountView = { customer_id: 'acme', balance_wei: '1', reserved_wei: '0', available_wei: '1' };
    // @ts-expect-error: a schema that declares a field the view does not send
    const short: Infer<typeof WIDER> = view;
    // @ts-expect-error: a value its schema's enum does not list
    const status: JobView['status'] = 'paused';
    // @ts-expect-error: null where the schema does not declare it nullable
    const hash: NodeJobView['job_id'] = null;

    // At run time these are only values; the assertions above are made by `tsc`.
    expect([extra, missing, short, status, hash]).toHaveLength(5);
  });
});
