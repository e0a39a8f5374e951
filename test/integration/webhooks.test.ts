/**
 * Signed webhooks as deployed: endpoints registered through the API, job ends turned into events by
 * the deployed stream consumer and POSTed by the deployed delivery worker to a receiver on
 * 127.0.0.1 (support/webhook-receiver.ts), which checks every delivery with the `standardwebhooks`
 * package. The deployed workers read the shared table, so each test has its own customer and only
 * its own deliveries are asserted on.
 */
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { acceptedJob, queuedJob } from './support/jobs.js';
import { cancelJob, eventually } from './support/lifecycle.js';
import { answerJob } from './support/node-calls.js';
import { useWebhookReceivers } from './support/webhook-receiver.js';
import { newCustomer, newNode, type TestCustomer } from './support/world.js';

const receiver = useWebhookReceivers();

const endpoints = '/v1/webhooks/endpoints';

async function register(customer: TestCustomer, url: string, events: string[]) {
  const created = await callApi('POST', endpoints, { headers: customer.headers, json: { url, events } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { endpoint_id: string; secret: string };
}

describe('webhook endpoints', () => {
  it('registers, lists without the secret, deletes once, and refuses private and plain-http URLs', async () => {
    // Prepare
    const { customer } = await queuedJob();
    const hook = await receiver();

    // Act
    const created = await callApi('POST', endpoints, { headers: customer.headers, json: { url: hook.url, events: ['job.failed'] } });
    const listed = await callApi('GET', endpoints, { headers: customer.headers });
    const deleted = await callApi('DELETE', `${endpoints}/{endpoint_id}`, {
      headers: customer.headers,
      params: { endpoint_id: created.body.endpoint_id },
    });
    const again = await callApi('DELETE', `${endpoints}/{endpoint_id}`, {
      headers: customer.headers,
      params: { endpoint_id: created.body.endpoint_id },
    });
    const refused = await Promise.all(
      ['https://10.0.0.1/hook', 'https://169.254.169.254/', 'http://127.0.0.1/no-port', 'http://example.com/'].map((url) =>
        callApi('POST', endpoints, { headers: customer.headers, json: { url, events: ['job.failed'] } }),
      ),
    );

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: hook.url,
      events: ['job.failed'],
      status: 'active',
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(listed.body).toEqual({
      endpoints: [
        {
          endpoint_id: created.body.endpoint_id,
          url: hook.url,
          events: ['job.failed'],
          created_at: created.body.created_at,
          status: 'active',
        },
      ],
    });
    expect(deleted.status).toBe(200);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('webhook_endpoint_not_found');
    expect(refused.map((answer) => [answer.status, answer.body.error?.code])).toEqual(refused.map(() => [400, 'invalid_request']));
  });
});

describe('webhook deliveries', () => {
  it('delivers job.completed and job.cancelled, signed, with the job data; a deleted endpoint gets nothing', async () => {
    // Prepare
    const completed = await queuedJob();
    const { customer, node } = completed;
    const hook = await receiver();
    const gone = await receiver();
    hook.useSecret((await register(customer, hook.url, ['job.completed', 'job.cancelled'])).secret);
    const deleted = await register(customer, gone.url, ['job.completed', 'job.cancelled']);
    expect(
      (await callApi('DELETE', `${endpoints}/{endpoint_id}`, { headers: customer.headers, params: { endpoint_id: deleted.endpoint_id } }))
        .status,
    ).toBe(200);
    const cancelled = await callApi('POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: { ...completed.body, job_id: `${completed.jobId}-c` },
    });
    expect(cancelled.status).toBe(202);

    // Act
    await answerJob(node, completed.jobId, (prompt) => prompt);
    await cancelJob(customer, `${completed.jobId}-c`);
    const received = await eventually(
      async () => hook.deliveries,
      (all) => all.length >= 2,
      90_000,
    );

    // Assess
    const byType = Object.fromEntries(received.map((delivery) => [(delivery.verified as { type?: string }).type, delivery.verified]));
    expect(byType['job.completed']).toMatchObject({
      type: 'job.completed',
      timestamp: expect.any(String),
      data: {
        job_id: completed.jobId,
        node_id: node.nodeId,
        model_id: expect.any(String),
        status: 'completed',
        billing: { status: 'debited' },
        receipt_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        completed_at: expect.any(String),
      },
    });
    expect(byType['job.cancelled']).toMatchObject({
      type: 'job.cancelled',
      data: { job_id: `${completed.jobId}-c`, status: 'cancelled', billing: { status: 'released' }, receipt_hash: null },
    });
    expect(JSON.stringify(received)).not.toContain('encrypted');
    // The deleted endpoint was gone before the jobs ended, so no event was made for it.
    expect(gone.deliveries).toEqual([]);
  });

  it('retries a delivery answered 500 with the same webhook-id until it is accepted', async () => {
    // Prepare
    const { customer, node, jobId } = await queuedJob();
    const hook = await receiver([500]);
    hook.useSecret((await register(customer, hook.url, ['job.completed'])).secret);

    // Act
    await answerJob(node, jobId, (prompt) => prompt);
    const received = await eventually(
      async () => hook.deliveries,
      (all) => all.some((delivery) => delivery.answered === 200),
      90_000,
    );
    const listed = await callApi('GET', endpoints, { headers: customer.headers });

    // Assess: the first retry comes 5 s after the failure (domain RETRY_DELAYS_SECONDS), with the same id.
    expect(received.map((delivery) => delivery.answered)).toEqual([500, 200]);
    expect(new Set(received.map((delivery) => delivery.id)).size).toBe(1);
    expect(received[1]?.verified).toMatchObject({ type: 'job.completed', data: { job_id: jobId } });
    expect(listed.body.endpoints[0].status).toBe('active');
  });

  it('marks an endpoint failing in its listing while its deliveries keep failing, and active after the next delivered one', async () => {
    // Prepare: 11 jobs of one customer, each on a node of its own (a node's pull leases the commands it
    // takes, so one node answering them one at a time would hide the others); the receiver refuses every
    // delivery until the test lets it accept.
    const customer = await newCustomer(100_000n);
    const nodes = await Promise.all(Array.from({ length: 11 }, () => newNode({ priceWei: 1_000n })));
    const jobs = [];
    for (const node of nodes) jobs.push({ node, ...(await acceptedJob(customer, node)) });
    const refusing = Array.from({ length: 1_000 }, () => 500);
    const hook = await receiver(refusing);
    hook.useSecret((await register(customer, hook.url, ['job.completed'])).secret);
    const status = async () => (await callApi('GET', endpoints, { headers: customer.headers })).body.endpoints[0]?.status;

    // Act: ten jobs end, and each first attempt (then any retry) is answered 500.
    for (const job of jobs.slice(0, 10)) await answerJob(job.node, job.jobId, (prompt) => prompt);
    const whileFailing = await eventually(status, (value) => value === 'failing', 90_000);
    const refused = [...hook.deliveries];
    refusing.length = 0;
    await answerJob(jobs[10]!.node, jobs[10]!.jobId, (prompt) => prompt);
    const afterDelivered = await eventually(status, (value) => value === 'active', 90_000);

    // Assess (the exact threshold, 10 in a row or 24 hours, is test/unit/domain/webhooks.test.ts's)
    expect(whileFailing).toBe('failing');
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(refused.every((delivery) => delivery.answered === 500)).toBe(true);
    // Each one a verified job.completed of the ten (a retry repeats its job's webhook-id).
    const ended = new Set(jobs.slice(0, 10).map((job) => job.jobId));
    for (const delivery of refused) {
      expect(ended.has((delivery.verified as { data?: { job_id?: string } }).data?.job_id ?? '')).toBe(true);
    }
    expect(afterDelivered).toBe('active');
    expect(hook.deliveries.some((delivery) => delivery.answered === 200)).toBe(true);
  });
});
