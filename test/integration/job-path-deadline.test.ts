/**
 * The job path answers before the function's timeout, and an answer other than 202 means nothing
 * was reserved. Faults are injected at the DynamoDB SDK client (support/aws-faults.ts): the
 * emulator never answers TransactionConflict, and cannot lose an answer or time out on demand.
 *
 * The rule for a transaction whose outcome is unknown (adapters/dynamodb/transactions.ts): it is
 * repeated with the same ClientRequestToken until DynamoDB answers; if the request's settle
 * instant passes first, the reservation's command key is fenced, so that it can never commit, or
 * found taken, so that it did: 202 then, 429 only when the fence stands.
 */
import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEADLINE_MARGIN_MS } from '../../lambdas/services/request-deadline.js';
import { callApi } from './support/api.js';
import { injectFault, injectLostAnswer, mentions, type SdkCommand, timedOut } from './support/aws-faults.js';
import { account, ledger, newCustomer, newNode, queueDepth, sealedJob, storedJob, uniqueId } from './support/world.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The job's own transaction (it puts the job), not a refill of the customer's buckets before it. */
const isReservationOf = (jobId: string) => (command: SdkCommand) =>
  command instanceof TransactWriteItemsCommand && mentions(command, jobId);

const tokensOf = (sent: SdkCommand[], jobId: string) =>
  sent.filter(isReservationOf(jobId)).map((command) => (command as TransactWriteItemsCommand).input.ClientRequestToken);

async function setUp() {
  const customer = await newCustomer(5_000n);
  const node = await newNode({ priceWei: 1_000n });
  return { customer, node, jobId: uniqueId('job') };
}

function submitWithin(remainingMs: number, customer: { headers: Record<string, string> }, json: unknown) {
  return callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json, remainingMs });
}

describe('the request deadline', () => {
  it('answers 429 rate_limited with Retry-After once the deadline passes under endless conflicts, and reserves nothing', async () => {
    // Prepare: every reservation of this customer is cancelled as DynamoDB cancels one that meets another in flight.
    const { customer, node, jobId } = await setUp();
    const before = await account(customer.customerId);
    const fault = injectFault(DynamoDBClient, (command) =>
      isReservationOf(jobId)(command)
        ? new TransactionCanceledException({
            message: 'Transaction cancelled',
            $metadata: { httpStatusCode: 400 },
            CancellationReasons: [{ Code: 'TransactionConflict' }],
          })
        : undefined,
    );

    // Act: the function has 1 ms beyond the margin left: its deadline is now.
    const answer = await submitWithin(DEADLINE_MARGIN_MS + 1, customer, sealedJob(node, { job_id: jobId }));

    // Assess: one attempt (the first always runs), then 429 with Retry-After; nothing reserved, written or queued.
    expect(answer.status).toBe(429);
    expect(answer.body.error.code).toBe('rate_limited');
    expect(answer.headers['Retry-After']).toBe('1');
    expect(fault.injected).toBe(1);
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toEqual(before);
    expect(await storedJob(customer.customerId, jobId)).toBeUndefined();
    expect(await queueDepth(node.nodeId)).toBe(0);
  });
});

describe('a reservation whose outcome is unknown', () => {
  it.each([
    { case: 'reached the table and lost its answer', inject: injectLostAnswer },
    { case: 'never reached the table', inject: injectFault },
  ])('is repeated with the same token after a send that $case: it commits once, 202', async ({ inject }) => {
    // Prepare: the first send of the job's transaction times out (after reaching the table, or before).
    const { customer, node, jobId } = await setUp();
    let sends = 0;
    const fault = inject(DynamoDBClient, (command) => (isReservationOf(jobId)(command) && sends++ === 0 ? timedOut() : undefined));

    // Act
    const answer = await submitWithin(10_000, customer, sealedJob(node, { job_id: jobId }));

    // Assess
    expect(answer.status).toBe(202);
    const tokens = tokensOf(fault.sent, jobId);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 1_000n });
    expect((await ledger(customer.customerId)).filter((row) => row.kind === 'reserve')).toHaveLength(1);
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ command_id: answer.body.command_id, status: 'queued' });
  });

  it('answers 429, never 500, when no refill of the buckets ever learns its outcome; the totals stay as they were', async () => {
    // Prepare: 5,000 wei spread over the buckets, so a 1,000-wei job needs a refill first; every
    // refill reaches the table and its answer is lost, so its outcome is never learnt in time.
    const { customer, node, jobId } = await setUp();
    const isRefill = (command: SdkCommand) =>
      command instanceof TransactWriteItemsCommand && mentions(command, customer.customerId) && !mentions(command, jobId);
    const fault = injectLostAnswer(DynamoDBClient, (command) => (isRefill(command) ? timedOut() : undefined));

    // Act: a short deadline, so the settle instant comes soon.
    const answer = await submitWithin(DEADLINE_MARGIN_MS + 1, customer, sealedJob(node, { job_id: jobId }));

    // Assess: a refill only moves money between the customer's buckets, so whether it committed
    // changes no total; the job was never tried, so nothing is reserved.
    expect(answer.status).toBe(429);
    expect(answer.body.error.code).toBe('rate_limited');
    expect(fault.injected).toBeGreaterThan(0);
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
    expect((await ledger(customer.customerId)).filter((row) => row.kind === 'reserve')).toHaveLength(0);
    expect(await storedJob(customer.customerId, jobId)).toBeUndefined();
  });

  it.each([
    { case: 'the first send committed', reached: true, status: 202, reserved: 1_000n },
    { case: 'no send reached the table', reached: false, status: 429, reserved: 0n },
  ])('is settled by fencing its command past the settle instant when $case', async ({ reached, status, reserved }) => {
    // Prepare: every answer is lost; the first send reaches the table only if `reached`.
    const { customer, node, jobId } = await setUp();
    const reservation = isReservationOf(jobId);
    const passThrough = DynamoDBClient.prototype.send as (this: DynamoDBClient, ...args: unknown[]) => Promise<unknown>;
    let sends = 0;
    vi.spyOn(DynamoDBClient.prototype, 'send').mockImplementation(async function (this: DynamoDBClient, ...args: unknown[]) {
      if (!reservation(args[0] as SdkCommand)) return passThrough.apply(this, args);
      sends += 1;
      if (reached && sends === 1) await passThrough.apply(this, args);
      throw timedOut();
    } as typeof DynamoDBClient.prototype.send);

    // Act: a short deadline, so the settle instant comes soon.
    const answer = await submitWithin(DEADLINE_MARGIN_MS + 1, customer, sealedJob(node, { job_id: jobId }));

    // Assess: 202 exactly when the reservation stands, 429 (with Retry-After) exactly when nothing was reserved.
    expect(answer.status).toBe(status);
    if (status === 429) expect(answer.headers['Retry-After']).toBe('1');
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: reserved });
    expect((await storedJob(customer.customerId, jobId)) !== undefined).toBe(reached);
    expect(sends).toBeGreaterThan(1);
  });
});
