/**
 * Nothing but the customer's own item is read before the token matched: a wrong token on the job
 * routes reads the account item only (no job, no envelope, no node). Failed checks are limited per
 * source address.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CustomerRateLimiter } from '../../lambdas/domain/rate-limit.js';
import { customerReadRoutes } from '../../lambdas/handlers/customer-reads.js';
import { apiHandler } from '../../lambdas/http/router.js';
import { callApi, callHandler } from './support/api.js';
import { injectFault, mentions } from './support/aws-faults.js';
import { queuedJob, submit } from './support/jobs.js';
import { planeWith } from './support/lifecycle.js';
import { newCustomer, sealedJob, uniqueId } from './support/world.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a wrong customer token reads only the customer item', () => {
  it.each([
    { route: 'GET job', method: 'GET', path: '/v1/private-inference/jobs/{job_id}' },
    { route: 'cancel', method: 'POST', path: '/v1/private-inference/jobs/{job_id}/cancel' },
    { route: 'submit', method: 'POST', path: '/v1/private-inference/jobs' },
  ])('$route: 401, and no command names the job or the node', async ({ method, path }) => {
    // Prepare: a queued job; the spy only records what is sent (no fault).
    const { customer, node, jobId } = await queuedJob();
    const headers = { ...customer.headers, 'X-B3IQ-Customer-Token': `${customer.token}x` };
    const spy = injectFault(DynamoDBClient, () => undefined);

    // Act
    const answer =
      path === '/v1/private-inference/jobs'
        ? await submit({ headers }, sealedJob(node, { job_id: jobId }))
        : await callApi(method, path, { params: { job_id: jobId }, headers, ...(method === 'POST' ? { json: {} } : {}) });

    // Assess
    expect(answer.status).toBe(401);
    expect(spy.sent.length).toBeGreaterThan(0);
    expect(spy.sent.filter((command) => mentions(command, jobId) || mentions(command, node.nodeId))).toEqual([]);
    for (const command of spy.sent) expect(mentions(command, customer.customerId)).toBe(true);
  });

  it('an unknown job id with a wrong token is the same 401, with no job read', async () => {
    const { customer } = await queuedJob();
    const jobId = uniqueId('job');
    const spy = injectFault(DynamoDBClient, () => undefined);

    const answer = await callApi('GET', '/v1/private-inference/jobs/{job_id}', {
      params: { job_id: jobId },
      headers: { ...customer.headers, 'X-B3IQ-Customer-Token': 'wrong' },
    });

    expect(answer.status).toBe(401);
    expect(spy.sent.filter((command) => mentions(command, jobId))).toEqual([]);
  });
});

describe('failed credential checks, per source address', () => {
  it('answers 429 rate_limited to the 4th failed check from one address (a burst of 3), and 401 to another address', async () => {
    // Prepare: a limiter of 3 failed checks that refills too slowly to matter during the test.
    const customer = await newCustomer(0n);
    const plane = planeWith({ failedCredentialsLimiter: new CustomerRateLimiter({ perSecond: 1e-9, burst: 3 }) });
    const handler = apiHandler(customerReadRoutes(plane));
    const wrong = { ...customer.headers, 'X-B3IQ-Customer-Token': 'wrong' };
    const read = (sourceIp: string, headers: Record<string, string>) =>
      callHandler(handler, 'GET', '/v1/billing/account', { headers, sourceIp });

    // Act
    const first = [await read('198.51.100.7', wrong), await read('198.51.100.7', wrong), await read('198.51.100.7', wrong)];
    const fourth = await read('198.51.100.7', wrong);
    const other = await read('203.0.113.9', wrong);
    const valid = await read('198.51.100.7', customer.headers);

    // Assess: the good credentials from the same address still pass.
    expect(first.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(fourth.status).toBe(429);
    expect(fourth.body.error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(other.status).toBe(401);
    expect(valid.status).toBe(200);
  });
});
