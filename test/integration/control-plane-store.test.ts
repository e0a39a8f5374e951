/** The store's conditional writes on the emulator's DynamoDB: each guard stops the whole transaction. */

import { envelopeSha256 } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { reserveEntry } from '../../lambdas/domain/account.js';
import type { Job } from '../../lambdas/domain/job.js';
import { jobDeadlines } from '../../lambdas/domain/job-lifecycle.js';
import { adminHeaders, callApi } from './support/api.js';
import { account, buckets, footprint, fundedBucket, newCustomer, newNode, sealedJob, store, storedJob, uniqueId } from './support/world.js';

async function pendingJob(price = 100n) {
  const customer = await newCustomer(1_000n);
  const node = await newNode({ priceWei: price });
  const jobId = uniqueId('job');
  const createdAt = new Date().toISOString();
  const request = sealedJob(node).encrypted_request;
  const job: Job = {
    customer_id: customer.customerId,
    job_id: jobId,
    node_id: node.nodeId,
    model_id: node.modelId,
    command_id: uniqueId('cmd'),
    status: 'queued',
    billing_status: 'reserved',
    quote: { policy_version: 'flat-v1', quoted_price_wei: price, reserved_price_wei: price, payout_price_wei: price },
    reservation_bucket: await fundedBucket(customer.customerId, price),
    request_fingerprint: 'f'.repeat(64),
    request_sha256: envelopeSha256(request),
    request_key_id: request.key_id,
    receipt_hash: null,
    created_at: createdAt,
    ...jobDeadlines(createdAt, { claimSeconds: 600, completionSeconds: 1200, envelopeRetentionSeconds: 3600 }),
    claimed_at: null,
    completed_at: null,
  };
  const entry = reserveEntry(customer.customerId, price, jobId, createdAt);
  const guards = { purgeAt: Math.ceil(Date.now() / 1000) + 7200 };
  return { customer, node, job, request, entry, guards };
}

describe('ControlPlaneStore.reserveForJob', () => {
  it('writes the job, its request envelope, its bucket and the ledger row together', async () => {
    const { customer, job, request, entry, guards } = await pendingJob();
    const before = (await buckets(customer.customerId))[job.reservation_bucket]!;

    expect(await store.reserveForJob(job, request, entry, guards)).toEqual({ type: 'reserved' });

    expect(await storedJob(customer.customerId, job.job_id)).toEqual(job);
    expect(await store.getJobWithEnvelopes(customer.customerId, job.job_id)).toEqual({
      job,
      envelopes: { encrypted_request: request, encrypted_response: null },
    });
    expect((await buckets(customer.customerId))[job.reservation_bucket]).toEqual({
      index: job.reservation_bucket,
      available_wei: before.available_wei - 100n,
      reserved_wei: before.reserved_wei + 100n,
    });
    expect(await account(customer.customerId)).toEqual({ balance_wei: 1_000n, reserved_wei: 100n, available_wei: 900n });
    expect(await store.ledger(customer.customerId, 10)).toContainEqual(entry);
  });

  it('writes nothing when the bucket does not cover the price, and answers the bucket as it stood', async () => {
    const { customer, job, request, entry, guards } = await pendingJob();
    const poor = (await buckets(customer.customerId)).find((bucket) => bucket.available_wei < 100n)!;
    const before = await footprint(customer);

    const result = await store.reserveForJob({ ...job, reservation_bucket: poor.index }, request, entry, guards);

    expect(result).toEqual({ type: 'bucket_short', bucket: poor });
    expect(await store.getJobWithEnvelopes(customer.customerId, job.job_id)).toBeUndefined();
    expect(await footprint(customer)).toEqual(before);
  });

  it('reports the existing job when the job id is taken, with the job as stored', async () => {
    const { job, request, entry, guards } = await pendingJob();
    await store.reserveForJob(job, request, entry, guards);

    const again = await store.reserveForJob({ ...job, command_id: 'cmd-other' }, request, entry, guards);

    expect(again).toEqual({ type: 'job_exists', job });
  });
});

describe('wei in storage', () => {
  it('keeps a 38-digit balance exact', async () => {
    const customer = await newCustomer(0n);
    const max = 10n ** 38n - 1n;

    const credited = await callApi('POST', '/v1/admin/customers/{customer_id}/credits', {
      params: { customer_id: customer.customerId },
      headers: adminHeaders(),
      json: { credit_id: uniqueId('credit'), amount_wei: max.toString() },
    });

    expect(credited.body.balance_wei).toBe(max.toString());
    expect((await account(customer.customerId)).balance_wei).toBe(max);
  });
});
