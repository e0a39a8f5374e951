/**
 * Envelopes are kept apart from the job, in parts small enough for DynamoDB items, and carry a
 * TTL: the request's ends `retention` after the job's completion deadline (no job outlives it),
 * the response's `retention` after the job settled. Billing, ledger, receipt and payout rows
 * have none. DynamoDB deletes expired items itself; here the purge is done by hand, and the
 * reads must survive it.
 */

import { DeleteItemCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { sealEnvelope } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/dynamodb/items.js';
import { callApi } from './support/api.js';
import { cancelJob, getJob, plane } from './support/lifecycle.js';
import { answerJob, nodeCall, pullJob, resultFor } from './support/node-calls.js';
import { tableName } from './support/table.js';
import { newCustomer, newNode, sealedJob, store, uniqueId } from './support/world.js';

const dynamodb = new DynamoDBClient({});
const retention = () => plane.jobWindows.envelopeRetentionSeconds;
const epochSeconds = (at: string) => Math.ceil(Date.parse(at) / 1000);

async function partition(pk: string) {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
    }),
  );
  return Items;
}

async function completedJob() {
  const customer = await newCustomer(10_000n);
  const node = await newNode({ priceWei: 1_000n });
  const jobId = uniqueId('job');
  const body = sealedJob(node, { job_id: jobId });
  const accepted = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
  const settled = await answerJob(node, jobId, (prompt) => `echo ${prompt}`);
  expect(settled.status).toBe(200);
  return { customer, node, body, jobId, accepted: accepted.body };
}

describe('envelope retention', () => {
  it('gives envelopes and the command index a TTL, and billing, ledger and receipt rows none', async () => {
    // Prepare + Act
    const { customer, node, jobId, accepted } = await completedJob();
    const job = (await store.read({ customerId: customer.customerId, jobId: jobId })).job!;

    // Assess
    const items = await partition(keys.jobPartition(customer.customerId, jobId));
    const expiry = (sk: string) => items.find((item) => item.sk?.S === sk)?.expires_at?.N;
    expect(expiry('JOB')).toBeUndefined();
    expect(Number(expiry(`${keys.envelopePrefix('request')}0`))).toBe(epochSeconds(job.completion_deadline) + retention());
    expect(Number(expiry(`${keys.envelopePrefix('response')}0`))).toBe(epochSeconds(job.completed_at!) + retention());
    const [command] = await partition(keys.command(accepted.command_id as string).pk?.S as string);
    expect(Number(command?.expires_at?.N)).toBe(epochSeconds(job.completion_deadline) + retention());
    const kept = [
      ...(await partition(`LEDGER#${customer.customerId}`)),
      ...(await partition(`RECEIPT#${job.receipt_hash}`)),
      ...(await partition(`EARNINGS#${node.nodeId}`)),
      ...(await partition(`NODE_LEDGER#${node.nodeId}`)),
    ];
    expect(kept.length).toBeGreaterThanOrEqual(6);
    expect(kept.filter((item) => item.expires_at !== undefined)).toEqual([]);
  });

  it('still shows the job, its billing and its receipt once the envelopes are purged', async () => {
    // Prepare
    const { customer, body, jobId, accepted } = await completedJob();
    const billingBefore = await callApi('GET', '/v1/billing/jobs/{job_id}', { params: { job_id: jobId }, headers: customer.headers });
    const pk = keys.jobPartition(customer.customerId, jobId);

    // Act: what DynamoDB's TTL does once the retention has passed.
    for (const item of await partition(pk)) {
      if (item.expires_at !== undefined)
        await dynamodb.send(new DeleteItemCommand({ TableName: tableName(), Key: { pk: item.pk!, sk: item.sk } }));
    }

    // Assess
    const job = await getJob(customer, jobId);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      status: 'completed',
      encrypted_request: null,
      encrypted_response: null,
      billing: { status: 'debited' },
    });
    expect(job.body.receipt_hash).toMatch(/^[0-9a-f]{64}$/);
    const billing = await callApi('GET', '/v1/billing/jobs/{job_id}', { params: { job_id: jobId }, headers: customer.headers });
    expect(billing.body).toEqual(billingBefore.body);
    const receipt = await callApi('GET', '/v1/receipts/{receipt_hash}', { params: { receipt_hash: job.body.receipt_hash } });
    expect(receipt.status).toBe(200);
    // The job id stays taken: an identical replay still answers the first acceptance.
    const replay = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
    expect(replay).toMatchObject({ status: 202, body: accepted });
  });

  it('stores, delivers and returns envelopes of the largest allowed size', async () => {
    // Prepare: a request whose ciphertext is exactly 512 KiB (about 700 KB of base64url, more than one DynamoDB item holds).
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    const jobId = uniqueId('job');
    const frame = JSON.stringify({ messages: [{ role: 'user', content: '' }] });
    const plaintext = new TextEncoder().encode(
      JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(512 * 1024 - 16 - frame.length) }] }),
    );
    const binding = { key_id: node.keyId, node_id: node.nodeId, model_id: node.modelId };
    const { envelope } = sealEnvelope('request', node.publicKey, binding, plaintext);
    const body = { job_id: jobId, node_id: node.nodeId, model_id: node.modelId, encrypted_request: envelope };

    // Act
    const accepted = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
    const pulled = await pullJob(node, jobId);
    const result = resultFor(node, pulled, { reply: (prompt) => prompt.slice(0, 500 * 1024) });
    const settled = await nodeCall(node, 'result', result, { commandId: pulled.command.command_id });

    // Assess
    expect(accepted.status).toBe(202);
    expect(pulled.command.encrypted_request).toEqual(envelope);
    expect(settled.status).toBe(200);
    const job = await getJob(customer, jobId);
    expect(job.body).toMatchObject({ status: 'completed', encrypted_request: envelope, encrypted_response: result.encrypted_response });
    expect(
      (await partition(keys.jobPartition(customer.customerId, jobId))).filter((item) =>
        item.sk?.S?.startsWith(keys.envelopePrefix('request')),
      ),
    ).toHaveLength(2);
  });
});

describe('the purge of a released job', () => {
  it("deletes every part of a cancelled job's request envelope with its release, and the job then shows none", async () => {
    // Prepare: a queued job whose request envelope takes two items.
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    const jobId = uniqueId('job');
    const plaintext = new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(400_000) }] }));
    const { envelope } = sealEnvelope(
      'request',
      node.publicKey,
      { key_id: node.keyId, node_id: node.nodeId, model_id: node.modelId },
      plaintext,
    );
    const body = { ...sealedJob(node, { job_id: jobId }), encrypted_request: envelope };
    expect((await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body })).status).toBe(202);
    const pk = keys.jobPartition(customer.customerId, jobId);
    const requestParts = async () => (await partition(pk)).filter((item) => item.sk?.S?.startsWith(keys.envelopePrefix('request')));
    expect(await requestParts()).toHaveLength(2);

    // Act
    const cancelled = await cancelJob(customer, jobId);
    const again = await cancelJob(customer, jobId);
    const read = await getJob(customer, jobId);

    // Assess: no part is left, and every answer says so alike.
    expect(cancelled.status).toBe(200);
    expect(await requestParts()).toEqual([]);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', encrypted_request: null, encrypted_response: null });
    expect(again.body).toEqual(cancelled.body);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(cancelled.body);
  });
});
