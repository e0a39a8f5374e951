/** Jobs as a customer submits them: the raw call, an accepted job, and a fresh queued or claimed one. */
import { expect } from 'vitest';
import { type ApiAnswer, callApi } from './api.js';
import { type Pulled, pullJob } from './node-calls.js';
import { newCustomer, newNode, sealedJob, storedJob, type TestCustomer, type TestNode, uniqueId } from './world.js';

interface AcceptedJob {
  /** The body as sent (a replay sends it again). */
  body: ReturnType<typeof sealedJob>;
  jobId: string;
  commandId: string;
  createdAt: string;
}

/** `POST /v1/private-inference/jobs` as the customer, with any body (sealed, altered or malformed); the answer as it is. */
function submit(customer: Pick<TestCustomer, 'headers'>, json: unknown): Promise<ApiAnswer> {
  return callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json });
}

/** A new job sealed to the node, which must be accepted (202). */
async function acceptedJob(customer: TestCustomer, node: TestNode, extra: Parameters<typeof sealedJob>[1] = {}): Promise<AcceptedJob> {
  const body = sealedJob(node, { job_id: uniqueId('job'), ...extra });
  const accepted = await submit(customer, body);
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
  return { body, jobId: accepted.body.job_id, commandId: accepted.body.command_id, createdAt: accepted.body.created_at };
}

/** A new customer holding `balance`, a new node asking `price`, and one accepted job of theirs, still queued. */
async function queuedJob(price = 1_000n, balance = 10_000n): Promise<AcceptedJob & { customer: TestCustomer; node: TestNode }> {
  const [customer, node] = await Promise.all([newCustomer(balance), newNode({ priceWei: price })]);
  return { customer, node, ...(await acceptedJob(customer, node)) };
}

/** As `queuedJob`, then pulled by its node (claimed, under the lease in `pulled`). */
async function claimedJob(price = 1_000n, balance = 10_000n): Promise<Awaited<ReturnType<typeof queuedJob>> & { pulled: Pulled }> {
  const job = await queuedJob(price, balance);
  const pulled = await pullJob(job.node, job.jobId);
  expect((await storedJob(job.customer.customerId, job.jobId))?.status).toBe('claimed');
  return { ...job, pulled };
}

export type { AcceptedJob };
export { acceptedJob, claimedJob, queuedJob, submit };
