/**
 * The gap between the reservation's commit and the node's queue. Each fault is injected at one
 * step; the command must still reach the node (the deployed relay reads the table's stream) or
 * the reservation must be released. SQS failures are injected by replacing the queue adapter in
 * an in-process control plane: the emulator cannot be made to fail a send on demand.
 */
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { envelopeSha256 } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { reserveEntry } from '../../lambdas/domain/account.js';
import { jobDeadlines } from '../../lambdas/domain/job-lifecycle.js';
import { customerJobRoutes } from '../../lambdas/handlers/customer-jobs.js';
import { apiHandler } from '../../lambdas/http/router.js';
import { relayNewJobs } from '../../lambdas/services/command-relay.js';
import { callApi } from './support/api.js';
import { eventually, plane, planeWith } from './support/lifecycle.js';
import { pull, pullJob } from './support/node-calls.js';
import {
  account,
  fundedBucket,
  ledger,
  newCustomer,
  newNode,
  sealedJob,
  store,
  storedJob,
  type TestCustomer,
  uniqueId,
} from './support/world.js';

/** The job path with a queue adapter whose send always fails, as SQS would during an outage. */
function submitWithFailingSend(customer: TestCustomer, body: unknown) {
  const unavailable = async () => Promise.reject(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
  const { queues } = plane;
  const failing = planeWith({
    queues: {
      ensureQueue: (nodeId) => queues.ensureQueue(nodeId),
      send: unavailable,
      receive: (nodeId, options) => queues.receive(nodeId, options),
      extendLease: (nodeId, leaseId, seconds) => queues.extendLease(nodeId, leaseId, seconds),
      finish: (nodeId, leaseId) => queues.finish(nodeId, leaseId),
    },
  });
  const handler = apiHandler(customerJobRoutes(failing));
  const event = {
    httpMethod: 'POST',
    resource: '/v1/private-inference/jobs',
    path: '/v1/private-inference/jobs',
    headers: { ...customer.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
  return handler(event as never, {} as never);
}

describe('the command reaches the node whatever fails after the commit', () => {
  it('delivers through the relay when the send after the commit fails', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 1_000n });
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId });

    // Act
    const answer = await submitWithFailingSend(customer, body);

    // Assess: accepted and reserved, and the node receives the command all the same.
    expect(answer.statusCode).toBe(202);
    expect(await account(customer.customerId)).toMatchObject({ reserved_wei: 1_000n });
    const pulled = await pullJob(node, jobId);
    expect(pulled.command).toMatchObject({ job_id: jobId, encrypted_request: body.encrypted_request, price_wei: '1000' });
  });

  it('delivers through the relay when the process stops right after the commit', async () => {
    // Prepare: exactly what the job path commits, and nothing after it (no send, no answer).
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 700n });
    const request = sealedJob(node).encrypted_request;
    const createdAt = new Date().toISOString();
    const jobId = uniqueId('job');
    const job = {
      customer_id: customer.customerId,
      job_id: jobId,
      node_id: node.nodeId,
      model_id: node.modelId,
      command_id: uniqueId('cmd'),
      status: 'queued' as const,
      billing_status: 'reserved' as const,
      quote: { policy_version: 'flat-v1', quoted_price_wei: 700n, reserved_price_wei: 700n, payout_price_wei: 630n },
      reservation_bucket: await fundedBucket(customer.customerId, 700n),
      request_fingerprint: 'f'.repeat(64),
      request_sha256: envelopeSha256(request),
      request_key_id: request.key_id,
      receipt_hash: null,
      created_at: createdAt,
      claimed_at: null,
      completed_at: null,
      ...jobDeadlines(createdAt, plane.jobWindows),
    };
    const entry = reserveEntry(customer.customerId, 700n, jobId, createdAt);

    // Act
    const outcome = await store.reserveForJob(job, request, entry, {
      purgeAt: Math.ceil(Date.now() / 1000) + 3600,
    });

    // Assess
    expect(outcome).toEqual({ type: 'reserved' });
    const pulled = await pullJob(node, jobId);
    expect(pulled.command).toMatchObject({ command_id: job.command_id, encrypted_request: request });
  });

  it('sends one command however many times the relay runs, even at once', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 100n });
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId });
    expect((await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body })).status).toBe(202);
    const ids = { customerId: customer.customerId, jobId: jobId };

    // Act: the deployed relay runs once on its own; three more runs here, two of them at once.
    await relayNewJobs(plane, [ids]);
    await Promise.all([relayNewJobs(plane, [ids]), relayNewJobs(plane, [ids, ids])]);

    // Assess: exactly one command is ever delivered.
    const first = await pullJob(node, jobId);
    expect(first.delivery).toBe(1);
    expect(await pull(node, 10, 2)).toEqual([]);
  });

  it('does not send a job that is no longer queued', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 100n });
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId });
    expect((await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body })).status).toBe(202);
    const cancelled = await callApi('POST', '/v1/private-inference/jobs/{job_id}/cancel', {
      params: { job_id: jobId },
      headers: customer.headers,
    });
    expect(cancelled.body).toMatchObject({ job_id: jobId, status: 'cancelled' });

    // Act
    const outcomes = await relayNewJobs(plane, [{ customerId: customer.customerId, jobId: jobId }]);

    // Assess
    expect(outcomes).toEqual(['not_queued']);
  });

  it('fails the job and releases its reservation when the node queue is gone', async () => {
    // Prepare: the node's queue is deleted behind the control plane's back.
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 900n });
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${process.env.NODE_QUEUE_PREFIX}${node.nodeId}.fifo` }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId });

    // Act
    const answer = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });

    // Assess: accepted (the commit happened), then failed by the relay with nothing reserved.
    expect(answer.status).toBe(202);
    const job = await eventually(
      () => storedJob(customer.customerId, jobId),
      (value) => value?.status === 'failed',
    );
    expect(job).toMatchObject({ status: 'failed', billing_status: 'released' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
    expect(
      (await ledger(customer.customerId))
        .filter((row) => row.private_job_id === jobId)
        .map((row) => row.kind)
        .sort(),
    ).toEqual(['release', 'reserve']);
  });
});
