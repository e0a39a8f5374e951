/** The store's conditional writes on the emulator's DynamoDB: each guard stops the whole transaction. */

import { envelopeSha256 } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { reserveFunds } from '../../lambdas/domain/account.js';
import type { Job } from '../../lambdas/domain/job.js';
import { jobDeadlines } from '../../lambdas/domain/job-lifecycle.js';
import { adminHeaders, callApi } from './support/api.js';
import { account, ledger, newCustomer, newNode, sealedJob, store, storedJob, uniqueId } from './support/world.js';

async function pendingJob(price = 100n) {
  const customer = await newCustomer(1_000n);
  const node = await newNode({ priceWei: price });
  const stored = (await store.getCustomer(customer.customerId))!;
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
    request_fingerprint: 'f'.repeat(64),
    request_sha256: envelopeSha256(request),
    request_key_id: request.key_id,
    receipt_hash: null,
    created_at: createdAt,
    ...jobDeadlines(createdAt, { claimSeconds: 600, completionSeconds: 1200, envelopeRetentionSeconds: 3600 }),
    claimed_at: null,
    completed_at: null,
  };
  const change = reserveFunds(stored.account, price, jobId, createdAt)!;
  const { revision } = (await store.getNode(node.nodeId))!;
  const guards = { expectedVersion: stored.account.version, purgeAt: Math.ceil(Date.now() / 1000) + 7200 };
  return { customer, node, job, request, change, version: stored.account.version, revision, guards };
}

describe('ControlPlaneStore.reserveForJob', () => {
  it('writes the job, its request envelope, the account and the ledger row together', async () => {
    const { customer, job, request, change, guards } = await pendingJob();

    expect(await store.reserveForJob(job, request, change, guards)).toEqual({ type: 'reserved' });

    expect(await storedJob(customer.customerId, job.job_id)).toEqual(job);
    expect(await store.getJobWithEnvelopes(customer.customerId, job.job_id)).toEqual({
      job,
      envelopes: { encrypted_request: request, encrypted_response: null },
    });
    expect(await account(customer.customerId)).toEqual(change.account);
    expect(await ledger(customer.customerId)).toContainEqual(change.entry);
  });

  it.each([{ case: 'the account changed since it was read', stale: 'version', outcome: 'account_changed' }])(
    'writes nothing when $case',
    async ({ stale, outcome }) => {
      // Prepare
      const { customer, job, request, change, version, guards } = await pendingJob();
      const creditsBefore = (await ledger(customer.customerId)).length;

      // Act
      const result = await store.reserveForJob(job, request, change, {
        ...guards,
        expectedVersion: stale === 'version' ? version - 1 : version,
      });

      // Assess
      expect(result.type).toBe(outcome);
      if (result.type === 'account_changed') expect(result.customer?.account.version).toBe(version);
      expect(await store.getJobWithEnvelopes(customer.customerId, job.job_id)).toBeUndefined();
      expect(await account(customer.customerId)).toMatchObject({ reserved_wei: 0n, version });
      expect(await ledger(customer.customerId)).toHaveLength(creditsBefore);
    },
  );

  it('reports the existing job when the job id is taken, with the job as stored', async () => {
    const { job, request, change, version, guards } = await pendingJob();
    await store.reserveForJob(job, request, change, guards);

    const again = await store.reserveForJob(
      { ...job, command_id: 'cmd-other' },
      request,
      { ...change, account: { ...change.account, version: version + 2 } },
      { ...guards, expectedVersion: version + 1 },
    );

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
