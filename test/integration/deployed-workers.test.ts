/**
 * The workers as deployed: the sweeper function invoked through the Lambda API (its schedule runs
 * it every minute; waiting for that would make the suite slow), with the stack's configuration.
 * The relay and the dead-letter consumer are shown deployed by outbox.test.ts and
 * dead-letters.test.ts, which depend on their event sources. The deployed sweeper works on the
 * shared table, so only this test's own job, customer and ledger are asserted on.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, inject, it } from 'vitest';
import { callApi } from './support/api.js';
import { backdate } from './support/lifecycle.js';
import { account, ledger, newCustomer, newNode, sealedJob, storedJob, uniqueId } from './support/world.js';

describe('the deployed deadline sweeper', () => {
  it('expires an overdue job and releases its reservation, once, when run twice at once', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 1_500n });
    const jobId = uniqueId('job');
    expect(
      (await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node, { job_id: jobId }) })).status,
    ).toBe(202);
    await backdate(customer.customerId, jobId, 3_600);
    const lambda = new LambdaClient({});
    const FunctionName = inject('localStack').outputs.DeadlineSweeperFunctionName;

    // Act
    const runs = await Promise.all([1, 2].map(() => lambda.send(new InvokeCommand({ FunctionName, Payload: Buffer.from('{}') }))));

    // Assess
    for (const run of runs) {
      expect(run.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(run.Payload ?? []).toString())).toMatchObject({
        as_of: expect.any(String),
        examined: expect.any(Number),
      });
    }
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'expired', billing_status: 'released' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
    expect((await ledger(customer.customerId)).filter((row) => row.kind === 'release' && row.private_job_id === jobId)).toHaveLength(1);
  });
});
