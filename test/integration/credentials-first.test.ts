/**
 * Nothing but the customer's own item is read before the token matched: a wrong token on the job
 * routes reads the account item only (no job, no envelope, no node).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callApi } from './support/api.js';
import { injectFault, mentions } from './support/aws-faults.js';
import { queuedJob, submit } from './support/jobs.js';
import { sealedJob, uniqueId } from './support/world.js';

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
