/**
 * Nodes answer jobs: signed pulls under a lease, results with signed receipts, failures, and the
 * money that follows, once, however often a step is repeated.
 */

import { decodeBase64url, openEnvelope, signReceipt } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { queuedJob, submit } from './support/jobs.js';
import { nodeCall, pull, resultFor } from './support/node-calls.js';
import { account, footprint, ledger, newCustomer, newNode, queueDepth, store, storedJob } from './support/world.js';

describe('a node answering a job', () => {
  it('claims the job on pull, settles it on result: the customer is debited once and the node paid', async () => {
    // Prepare
    const { customer, node, body, jobId, commandId } = await queuedJob(1_000n, 10_000n);

    // Act: pull, answer.
    const [pulled, ...more] = await pull(node);
    const claimed = await storedJob(customer.customerId, jobId);
    const result = resultFor(node, pulled!);
    const settled = await nodeCall(node, 'result', result, { commandId });

    // Assess: the command and the claim.
    expect(more).toHaveLength(0);
    expect(pulled!.command).toMatchObject({
      command_id: commandId,
      job_id: jobId,
      price_wei: '1000',
      encrypted_request: body.encrypted_request,
    });
    expect(claimed?.status).toBe('claimed');
    // The settlement.
    expect(settled.status).toBe(200);
    expect(settled.body).toMatchObject({ job_id: jobId, status: 'completed', receipt_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 9_000n, reserved_wei: 0n });
    const rows = await ledger(customer.customerId);
    expect(rows.map((row) => [row.kind, row.amount_wei, row.balance_after_wei, row.reserved_after_wei])).toEqual([
      ['debit', 1_000n, 9_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
      ['credit', 10_000n, 10_000n, 0n],
    ]);
    expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 900n, protocol_fee_wei: 100n });
    expect((await store.nodeLedger(node.nodeId, 10)).map((row) => [row.kind, row.amount_wei, row.balance_after_wei])).toEqual(
      expect.arrayContaining([
        ['payout', 900n, 900n],
        ['protocol_fee', 100n, 100n],
      ]),
    );
    expect(await queueDepth(node.nodeId)).toBe(0);

    // The customer sees the answer and opens it with the request's secret... which only the SDK has;
    // here it is enough that the envelope is the node's and binds this job.
    const job = await callApi('GET', '/v1/private-inference/jobs/{job_id}', { headers: customer.headers, params: { job_id: jobId } });
    expect(job.body).toMatchObject({
      status: 'completed',
      encrypted_response: result.encrypted_response,
      receipt_hash: settled.body.receipt_hash,
      completed_at: expect.any(String),
      billing: { status: 'debited' },
    });
  });

  it('publishes the receipt by its hash, without the customer', async () => {
    const { customer, node, commandId, jobId } = await queuedJob();
    const [pulled] = await pull(node);
    const result = resultFor(node, pulled!);
    const settled = await nodeCall(node, 'result', result, { commandId });

    const published = await callApi('GET', '/v1/receipts/{receipt_hash}', { params: { receipt_hash: settled.body.receipt_hash } });

    expect(published.status).toBe(200);
    expect(published.body).toEqual({
      receipt_hash: settled.body.receipt_hash,
      job_id: jobId,
      node_id: node.nodeId,
      model_id: node.modelId,
      status: 'accepted',
      received_at: expect.any(String),
      signature_ed25519: result.receipt_signature_ed25519,
      receipt: JSON.parse(result.receipt),
    });
    expect(JSON.stringify(published.body)).not.toContain(customer.customerId);
  });

  it('settles once for a repeated result and for a redelivered command', async () => {
    // Prepare: the node gives the command back and pulls it again (a redelivery), then posts twice.
    const { customer, node, commandId } = await queuedJob(500n, 5_000n);
    const [first] = await pull(node);
    await nodeCall(node, 'lease', { lease_id: first!.lease_id, lease_seconds: 0 }, { commandId });
    const [again] = await pull(node);
    const result = resultFor(node, again!);

    // Act
    const answers = await Promise.all([nodeCall(node, 'result', result, { commandId }), nodeCall(node, 'result', result, { commandId })]);
    const later = await nodeCall(node, 'result', result, { commandId });

    // Assess
    expect(again!.command.command_id).toBe(commandId);
    expect(again!.delivery).toBe(2);
    expect([...answers, later].map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 4_500n, reserved_wei: 0n });
    expect((await ledger(customer.customerId)).filter((row) => row.kind === 'debit')).toHaveLength(1);
    expect(await store.getEarnings(node.nodeId)).toMatchObject({ payout_wei: 450n });
  });

  it('releases the reservation on failure and refuses a result after it, without a debit', async () => {
    const { customer, node, commandId, jobId } = await queuedJob(700n, 1_000n);
    const [pulled] = await pull(node);

    const failed = await nodeCall(node, 'failure', { lease_id: pulled!.lease_id, code: 'inference_failed' }, { commandId });
    const late = await nodeCall(node, 'result', resultFor(node, pulled!), { commandId });

    expect(failed.body).toMatchObject({ job_id: jobId, status: 'failed' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('job_closed');
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 1_000n, reserved_wei: 0n });
    expect((await ledger(customer.customerId))[0]).toMatchObject({ kind: 'release', amount_wei: 700n, reserved_after_wei: 0n });
    expect((await storedJob(customer.customerId, jobId))?.status).toBe('failed');
  });

  it.each([
    { case: 'a price other than the quote', change: { price_wei: '1' } },
    { case: 'a signature by another key', change: { sign: (text: string) => signReceipt(new Uint8Array(32).fill(7), text) } },
  ])('refuses a receipt with $case and changes nothing', async ({ change }) => {
    const { customer, node, commandId } = await queuedJob();
    const [pulled] = await pull(node);
    const before = await footprint(customer);

    const answer = await nodeCall(node, 'result', resultFor(node, pulled!, change), { commandId });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_receipt');
    expect(await footprint(customer)).toEqual(before);
  });

  it('checks the receipt before deciding a replay: a forged receipt for a settled job is refused, not replayed', async () => {
    // Prepare: the job settles with a good result.
    const { customer, node, commandId } = await queuedJob();
    const [pulled] = await pull(node);
    expect((await nodeCall(node, 'result', resultFor(node, pulled!), { commandId })).status).toBe(200);
    const before = await footprint(customer);

    // Act: the same command again, with a receipt signed by another key.
    const forged = resultFor(node, pulled!, { sign: (text: string) => signReceipt(new Uint8Array(32).fill(7), text) });
    const answer = await nodeCall(node, 'result', forged, { commandId });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_receipt');
    expect(await footprint(customer)).toEqual(before);
  });

  it('refuses a response that does not bind this job', async () => {
    const { node, commandId } = await queuedJob();
    const [pulled] = await pull(node);
    const result = resultFor(node, pulled!);

    const answer = await nodeCall(
      node,
      'result',
      { ...result, encrypted_response: { ...result.encrypted_response, aad_hash: pulled!.command.encrypted_request.aad_hash } },
      { commandId },
    );

    expect(answer.body.error.code).toBe('invalid_encrypted_request');
  });

  it('extends a lease, refuses a lease it does not hold, and tells the node when the job has closed', async () => {
    // Prepare
    const { node, commandId } = await queuedJob();
    const [pulled] = await pull(node);

    // Act
    const extended = await nodeCall(node, 'lease', { lease_id: pulled!.lease_id, lease_seconds: 300 }, { commandId });
    const bogus = await nodeCall(node, 'lease', { lease_id: 'not-a-receipt-handle', lease_seconds: 300 }, { commandId });
    await nodeCall(node, 'failure', { lease_id: pulled!.lease_id, code: 'inference_failed' }, { commandId });
    const afterClose = await nodeCall(node, 'lease', { lease_id: pulled!.lease_id, lease_seconds: 300 }, { commandId });

    // Assess
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ command_id: commandId, status: 'claimed', lease_expires_at: expect.any(String) });
    expect(Date.parse(extended.body.lease_expires_at) - Date.now()).toBeGreaterThan(250_000);
    expect(bogus.status).toBe(409);
    expect(bogus.body.error.code).toBe('lease_expired');
    expect(afterClose.body).toMatchObject({ command_id: commandId, status: 'failed' });
  });

  it('answers 404 command_not_found for a command that does not exist', async () => {
    const node = await newNode();

    const answer = await nodeCall(node, 'failure', { lease_id: 'lease-of-nothing', code: 'x' }, { commandId: 'cmd-nothing' });

    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('command_not_found');
  });

  it('keeps a node to its own commands', async () => {
    const { node, commandId } = await queuedJob();
    const intruder = await newNode();

    const [viaOwnPath, viaVictimPath] = await Promise.all([
      nodeCall(intruder, 'failure', { lease_id: 'not-its-lease', code: 'x' }, { commandId }),
      nodeCall(node, 'pull', { wait_seconds: 0 }, { signer: intruder }),
    ]);

    expect(viaOwnPath.status).toBe(403);
    expect(viaOwnPath.body.error.code).toBe('forbidden');
    expect(viaVictimPath.status).toBe(403);
    expect(await queueDepth(node.nodeId)).toBe(1);
  });

  it.each([
    { case: 'no signature', headers: (signed: Record<string, string>) => ({ ...signed, 'X-B3IQ-Signature': '' }) },
    {
      case: 'a signature over another body',
      headers: (signed: Record<string, string>) => ({ ...signed, 'X-B3IQ-Nonce': `${signed['X-B3IQ-Nonce']}x` }),
    },
    {
      case: 'a timestamp ten minutes old',
      headers: (signed: Record<string, string>) => ({ ...signed, 'X-B3IQ-Timestamp': String(Number(signed['X-B3IQ-Timestamp']) - 600) }),
    },
    { case: 'an unknown node id', headers: (signed: Record<string, string>) => ({ ...signed, 'X-B3IQ-Node-ID': 'ghost' }) },
  ])('answers 401 invalid_signature for $case', async ({ headers }) => {
    const node = await newNode();

    const answer = await nodeCall(node, 'pull', { wait_seconds: 0 }, { headers });

    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('invalid_signature');
  });

  it.each([
    { case: 'max_commands null', body: { max_commands: null } },
    { case: 'wait_seconds null', body: { wait_seconds: null } },
    { case: 'lease_seconds null', body: { lease_seconds: null } },
    { case: 'max_commands 0', body: { max_commands: 0 } },
    { case: 'max_commands 11', body: { max_commands: 11 } },
    { case: 'max_commands 1.5', body: { max_commands: 1.5 } },
    { case: 'wait_seconds as text', body: { wait_seconds: '0' } },
  ])('answers 400 invalid_request for a pull with $case (the document says integer, not null)', async ({ body }) => {
    const node = await newNode();

    const answer = await nodeCall(node, 'pull', body);

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
  });

  it('refuses a replayed request', async () => {
    const node = await newNode();
    let captured: Record<string, string> = {};
    await nodeCall(node, 'pull', { wait_seconds: 0 }, { headers: (signed) => (captured = signed) });

    const replay = await nodeCall(node, 'pull', { wait_seconds: 0 }, { headers: () => captured });

    expect(replay.status).toBe(401);
    expect(replay.body.error.detail).toContain('nonce');
  });

  it('lets the customer open the node’s answer', async () => {
    // The request's secret is known here because the test sealed it; the SDK keeps it the same way.
    const customer = await newCustomer();
    const node = await newNode();
    const { sealEnvelope } = await import('@b3iq/protocol');
    const plaintext = new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: 'héllo 世界' }] }));
    const sealed = sealEnvelope('request', node.publicKey, { key_id: node.keyId, node_id: node.nodeId, model_id: node.modelId }, plaintext);
    const accepted = await submit(customer, { node_id: node.nodeId, model_id: node.modelId, encrypted_request: sealed.envelope });
    const [pulled] = await pull(node);
    await nodeCall(node, 'result', resultFor(node, pulled!), { commandId: accepted.body.command_id });

    const job = await callApi('GET', '/v1/private-inference/jobs/{job_id}', {
      headers: customer.headers,
      params: { job_id: accepted.body.job_id },
    });
    const opened = openEnvelope('response', sealed.ephemeralSecretKey, job.body.encrypted_response, {
      key_id: node.keyId,
      node_id: node.nodeId,
      model_id: node.modelId,
      job_id: accepted.body.job_id,
    });

    expect(JSON.parse(new TextDecoder().decode(opened)).message.content).toBe('héllo 世界');
    expect(decodeBase64url(job.body.encrypted_response.client_public_key_x25519)).toHaveLength(32);
  });
});

describe('billing reads after settlement', () => {
  it('shows the job’s money and the usage by kind', async () => {
    const { customer, node, commandId, jobId } = await queuedJob(250n, 1_000n);
    const [pulled] = await pull(node);
    const settled = await nodeCall(node, 'result', resultFor(node, pulled!), { commandId });

    const [billing, usage] = await Promise.all([
      callApi('GET', '/v1/billing/jobs/{job_id}', { headers: customer.headers, params: { job_id: jobId } }),
      callApi('GET', '/v1/billing/usage', { headers: customer.headers, query: { window_days: '1', limit: '2' } }),
    ]);

    expect(billing.body).toEqual({
      job_id: jobId,
      node_id: node.nodeId,
      model_id: node.modelId,
      status: 'completed',
      billing_status: 'debited',
      customer_id: customer.customerId,
      quoted_price_wei: '250',
      reserved_price_wei: '250',
      payout_price_wei: '225',
      receipt_hash: settled.body.receipt_hash,
      created_at: expect.any(String),
      completed_at: expect.any(String),
    });
    expect(usage.body).toMatchObject({ status: 'ok', customer_id: customer.customerId, generated_at: expect.any(String) });
    expect(usage.body.totals).toEqual(
      expect.arrayContaining([
        { kind: 'credit', count: 1, amount_wei: '1000' },
        { kind: 'reserve', count: 1, amount_wei: '250' },
        { kind: 'debit', count: 1, amount_wei: '250' },
      ]),
    );
    expect(usage.body.entries).toHaveLength(2);
    expect(usage.body.entries[0]).toEqual({
      entry_id: expect.any(String),
      private_job_id: jobId,
      receipt_hash: settled.body.receipt_hash,
      kind: 'debit',
      amount_wei: '250',
      balance_after_wei: '750',
      reserved_after_wei: '0',
      created_at: expect.any(String),
    });
  });

  it.each([
    { case: 'an unknown hash', hash: 'a'.repeat(64) },
    { case: 'a malformed hash', hash: 'not-a-hash' },
  ])('answers 404 receipt_not_found for $case', async ({ hash }) => {
    const answer = await callApi('GET', '/v1/receipts/{receipt_hash}', { params: { receipt_hash: hash } });

    expect(answer.body.error.code).toBe('receipt_not_found');
  });
});
