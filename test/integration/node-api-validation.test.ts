/**
 * The node API refuses a malformed body with a 400 problem and its stable code, and changes
 * nothing: the job keeps its status and billing, the queue keeps its command, the lease holds.
 * And a pull answers at most about 5 MB of commands (a Lambda answer holds 6 MB); the rest stay
 * queued for the next pull.
 */

import type { Envelope } from '@b3iq/protocol';
import { sealEnvelope, signNodeRequest } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { queuedJob } from './support/jobs.js';
import { getJob } from './support/lifecycle.js';
import { nodeCall, type Pulled, pullJob, rawNodeCall, resultFor, TEMPLATES } from './support/node-calls.js';
import { account, newCustomer, newNode, queueDepth, type TestCustomer, type TestNode, uniqueId } from './support/world.js';

/** The job as the customer sees it, reduced to what a refused node call must not change. */
async function jobState(customer: TestCustomer, jobId: string) {
  const { body } = await getJob(customer, jobId);
  return { status: body.status, billing: body.billing.status, receipt_hash: body.receipt_hash, completed_at: body.completed_at };
}

const json = (value: unknown) => JSON.stringify(value);
const MALFORMED = [
  { case: 'not JSON', body: '{"max_commands": 1' },
  { case: 'a JSON array', body: '[]' },
  { case: 'a JSON string', body: '"pull"' },
  { case: 'JSON null', body: 'null' },
];

describe('POST /v1/nodes/{node_id}/commands/pull, a malformed body', () => {
  it.each([
    ...MALFORMED,
    { case: 'an unknown field', body: json({ max_commands: 1, priority: 'high' }) },
    { case: 'max_commands as a string', body: json({ max_commands: '1' }) },
    { case: 'max_commands 0', body: json({ max_commands: 0 }) },
    { case: 'max_commands 11', body: json({ max_commands: 11 }) },
    { case: 'max_commands a fraction', body: json({ max_commands: 1.5 }) },
    { case: 'max_commands true', body: json({ max_commands: true }) },
    { case: 'wait_seconds -1', body: json({ wait_seconds: -1 }) },
    { case: 'wait_seconds 21', body: json({ wait_seconds: 21 }) },
    { case: 'lease_seconds 9', body: json({ lease_seconds: 9 }) },
    { case: 'lease_seconds 43201', body: json({ lease_seconds: 43_201 }) },
    { case: 'lease_seconds a huge number', body: '{"lease_seconds": 1e400}' },
  ])('answers 400 invalid_request and leaves the queue and the job as they were ($case)', async ({ body }) => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(500n, 5_000n);
    expect(await queueDepth(node.nodeId)).toBe(1);

    // Act
    const answer = await rawNodeCall(node, 'pull', body);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await jobState(customer, jobId)).toEqual({ status: 'queued', billing: 'reserved', receipt_hash: null, completed_at: null });
    expect(await queueDepth(node.nodeId)).toBe(1);
  });

  it('answers 415 to a body sent without the JSON media type, and leaves the queue as it was', async () => {
    // Prepare
    const { customer, node, jobId } = await queuedJob(500n, 5_000n);
    const body = json({ max_commands: 1 });
    const path = TEMPLATES.pull.replace('{node_id}', node.nodeId);

    // Act
    const answer = await callApi('POST', TEMPLATES.pull, {
      params: { node_id: node.nodeId },
      headers: { 'Content-Type': 'text/plain', ...signNodeRequest(node.identitySecretKey, node.nodeId, { method: 'POST', path, body }) },
      body,
    });

    // Assess
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
    expect((await jobState(customer, jobId)).status).toBe('queued');
    expect(await queueDepth(node.nodeId)).toBe(1);
  });
});

/** A claimed job: pulled by its node, under a lease. */
async function claimedJob(priceWei = 500n) {
  const queued = await queuedJob(priceWei, 5_000n);
  const pulled = await pullJob(queued.node, queued.jobId);
  return { ...queued, pulled, commandId: pulled.command.command_id };
}

const CLAIMED = { status: 'claimed', billing: 'reserved', receipt_hash: null, completed_at: null };

/** The lease the pull answered still holds: extending it answers 200 (a given-back lease would be 409). */
async function leaseHolds(node: TestNode, pulled: Pulled): Promise<boolean> {
  const answer = await nodeCall(node, 'lease', { lease_id: pulled.lease_id, lease_seconds: 60 }, { commandId: pulled.command.command_id });
  return answer.status === 200 && answer.body.status === 'claimed';
}

describe('POST .../commands/{command_id}/lease, a malformed body', () => {
  it.each([
    ...MALFORMED,
    { case: 'an empty body', body: () => '' },
    { case: 'no lease_id', body: () => json({ lease_seconds: 60 }) },
    { case: 'lease_id empty', body: () => json({ lease_id: '', lease_seconds: 60 }) },
    { case: 'lease_id a number', body: () => json({ lease_id: 7, lease_seconds: 60 }) },
    { case: 'lease_id longer than 2048', body: () => json({ lease_id: 'x'.repeat(2049), lease_seconds: 60 }) },
    { case: 'lease_seconds -1', body: (lease: string) => json({ lease_id: lease, lease_seconds: -1 }) },
    { case: 'lease_seconds 43201', body: (lease: string) => json({ lease_id: lease, lease_seconds: 43_201 }) },
    { case: 'lease_seconds as a string', body: (lease: string) => json({ lease_id: lease, lease_seconds: '0' }) },
    { case: 'lease_seconds a fraction', body: (lease: string) => json({ lease_id: lease, lease_seconds: 0.5 }) },
    { case: 'an unknown field', body: (lease: string) => json({ lease_id: lease, lease_seconds: 0, give_back: true }) },
  ])('answers 400 invalid_request; the job stays claimed and the lease holds ($case)', async ({ body }) => {
    // Prepare
    const { customer, node, jobId, pulled, commandId } = await claimedJob();
    const text = typeof body === 'function' ? body(pulled.lease_id) : body;

    // Act
    const answer = await rawNodeCall(node, 'lease', text, commandId);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await jobState(customer, jobId)).toEqual(CLAIMED);
    expect(await leaseHolds(node, pulled)).toBe(true);
  });
});

describe('POST .../commands/{command_id}/result, a malformed body', () => {
  type Result = ReturnType<typeof resultFor>;
  it.each([
    ...MALFORMED.map((row) => ({ ...row, code: 'invalid_request', body: () => row.body })),
    { case: 'an empty body', code: 'invalid_request', body: () => '' },
    { case: 'an unknown field', code: 'invalid_request', body: (result: Result) => json({ ...result, price_wei: '1' }) },
    { case: 'lease_id a number', code: 'invalid_request', body: (result: Result) => json({ ...result, lease_id: 1 }) },
    {
      case: 'no encrypted_response',
      code: 'invalid_encrypted_request',
      body: ({ encrypted_response: _, ...rest }: Result) => json(rest),
    },
    {
      case: 'encrypted_response with an unknown field',
      code: 'invalid_encrypted_request',
      body: (result: Result) => json({ ...result, encrypted_response: { ...result.encrypted_response, extra: 1 } }),
    },
    { case: 'no receipt', code: 'invalid_receipt', body: ({ receipt: _, ...rest }: Result) => json(rest) },
    {
      case: 'the receipt as an object',
      code: 'invalid_receipt',
      body: (result: Result) => json({ ...result, receipt: JSON.parse(result.receipt) }),
    },
    {
      case: 'no receipt signature',
      code: 'invalid_receipt',
      body: ({ receipt_signature_ed25519: _, ...rest }: Result) => json(rest),
    },
    {
      case: 'the receipt signature a number',
      code: 'invalid_receipt',
      body: (result: Result) => json({ ...result, receipt_signature_ed25519: 12 }),
    },
  ])('answers 400 $code; nothing is debited and the job stays claimed ($case)', async ({ code, body }) => {
    // Prepare
    const { customer, node, jobId, pulled, commandId } = await claimedJob(500n);
    const result = resultFor(node, pulled);

    // Act
    const answer = await rawNodeCall(node, 'result', body(result), commandId);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ status: 400, code });
    expect(await jobState(customer, jobId)).toEqual(CLAIMED);
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 500n });
    expect(await leaseHolds(node, pulled)).toBe(true);
  });
});

describe('POST .../commands/{command_id}/failure, a malformed body', () => {
  it.each([
    ...MALFORMED,
    { case: 'an empty body', body: '' },
    { case: 'no code', body: json({ message: 'backend down' }) },
    { case: 'code with capitals', body: json({ code: 'Backend_Down' }) },
    { case: 'code with a space', body: json({ code: 'backend down' }) },
    { case: 'code longer than 64', body: json({ code: 'x'.repeat(65) }) },
    { case: 'code a number', body: json({ code: 500 }) },
    { case: 'message longer than 500', body: json({ code: 'backend_down', message: 'x'.repeat(501) }) },
    { case: 'message a number', body: json({ code: 'backend_down', message: 5 }) },
    { case: 'lease_id empty', body: json({ code: 'backend_down', lease_id: '' }) },
    { case: 'an unknown field', body: json({ code: 'backend_down', retry: true }) },
  ])('answers 400 invalid_request; the job stays claimed and reserved ($case)', async ({ body }) => {
    // Prepare
    const { customer, node, jobId, pulled, commandId } = await claimedJob(500n);

    // Act
    const answer = await rawNodeCall(node, 'failure', body, commandId);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await jobState(customer, jobId)).toEqual(CLAIMED);
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 500n });
    expect(await leaseHolds(node, pulled)).toBe(true);
  });

  it('accepts the boundary values it refuses one past (control)', async () => {
    // Prepare
    const { customer, node, jobId, pulled, commandId } = await claimedJob(500n);

    // Act
    const answer = await nodeCall(
      node,
      'failure',
      { code: 'x'.repeat(64), message: 'y'.repeat(500), lease_id: pulled.lease_id },
      { commandId },
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ job_id: jobId, status: 'failed' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
  });
});

describe('the 5 MB cap on a pull answer', () => {
  /** A job whose request carries a ciphertext of the largest size the contract allows (512 KiB). */
  function largestJob(node: TestNode, jobId: string) {
    const plaintext = new Uint8Array(512 * 1024 - 16).fill(0x61);
    const binding = { key_id: node.keyId, node_id: node.nodeId, model_id: node.modelId };
    const { envelope } = sealEnvelope('request', node.publicKey, binding, plaintext);
    return { job_id: jobId, node_id: node.nodeId, model_id: node.modelId, encrypted_request: envelope as Envelope };
  }

  it('answers the commands that fit in 5 MB and leaves the rest queued for the next pull', async () => {
    // Prepare: eight commands of about 700 KB each (5.6 MB in all) on one node's queue.
    const customer = await newCustomer(10n ** 18n);
    const node = await newNode({ priceWei: 10n });
    const jobIds = Array.from({ length: 8 }, () => uniqueId('job'));
    for (const jobId of jobIds) {
      const accepted = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: largestJob(node, jobId) });
      expect(accepted.status).toBe(202);
    }
    expect(await queueDepth(node.nodeId)).toBe(8);

    // Act
    const first = await nodeCall(node, 'pull', { max_commands: 10, wait_seconds: 1, lease_seconds: 60 });

    // Assess: seven commands (4.9 MB) fit; the eighth would pass 5 MB, so it was given back unclaimed.
    expect(first.status).toBe(200);
    const answered = (first.body.commands as Pulled[]).map((pulled) => pulled.command.job_id);
    expect(answered).toHaveLength(7);
    expect(JSON.stringify(first.body).length).toBeLessThan(5 * 1024 * 1024 + 64 * 1024);
    const [left] = jobIds.filter((jobId) => !answered.includes(jobId));
    expect(left).toBeDefined();
    expect((await jobState(customer, left!)).status).toBe('queued');
    for (const jobId of answered) expect((await jobState(customer, jobId)).status).toBe('claimed');
    const next = await pullJob(node, left!);
    expect(next.command.job_id).toBe(left);
  });
});
