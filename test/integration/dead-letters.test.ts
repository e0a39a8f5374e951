/**
 * A command its node keeps failing to finish lands in the dead-letter queue after the node
 * queue's receive limit; the deployed dead-letter consumer fails its job and releases the money.
 */
import { describe, expect, it } from 'vitest';
import { failDeadLetteredCommand } from '../../lambdas/services/dead-letters.js';
import { callApi } from './support/api.js';
import { eventually, plane } from './support/lifecycle.js';
import { nodeCall, pull, pullJob } from './support/node-calls.js';
import { account, ledger, newCustomer, newNode, sealedJob, storedJob, uniqueId } from './support/world.js';

/** The node queues' redrive limit, as the stack creates them. */
const MAX_RECEIVES = 5;

describe('dead letters', () => {
  it('fails and releases the job of a command received too many times', async () => {
    // Prepare: a node that takes the command and gives it back, again and again.
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 800n });
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId });
    expect((await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body })).status).toBe(202);
    for (let delivery = 1; delivery <= MAX_RECEIVES; delivery++) {
      const pulled = await pullJob(node, jobId);
      expect(pulled.delivery).toBe(delivery);
      const given = await nodeCall(
        node,
        'lease',
        { lease_id: pulled.lease_id, lease_seconds: 0 },
        { commandId: pulled.command.command_id },
      );
      expect(given.status).toBe(200);
    }

    // Act: the next receive moves it to the dead-letter queue instead of delivering it.
    expect(await pull(node, 10, 1)).toEqual([]);

    // Assess
    const job = await eventually(
      () => storedJob(customer.customerId, jobId),
      (value) => value?.status === 'failed',
    );
    expect(job).toMatchObject({ status: 'failed', billing_status: 'released' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
    const rows = (await ledger(customer.customerId)).filter((row) => row.private_job_id === jobId);
    expect(rows.map((row) => row.kind).sort()).toEqual(['release', 'reserve']);
  });

  it.each([
    { case: 'a message that is not JSON', body: () => 'not json', outcome: 'unknown_command' },
    { case: 'a command id nobody issued', body: () => JSON.stringify({ command_id: uniqueId('cmd') }), outcome: 'unknown_command' },
  ])('ignores $case', async ({ body, outcome }) => {
    expect(await failDeadLetteredCommand(plane, body())).toBe(outcome);
  });

  it('leaves a job that already ended as it is, and releases nothing twice', async () => {
    // Prepare: a job the node failed itself, whose command then reaches the dead-letter queue.
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 300n });
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId });
    await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
    const pulled = await pullJob(node, jobId);
    await nodeCall(node, 'failure', { lease_id: pulled.lease_id, code: 'backend_down' }, { commandId: pulled.command.command_id });
    const before = await ledger(customer.customerId);

    // Act
    const outcomes = await Promise.all([1, 2].map(() => failDeadLetteredCommand(plane, JSON.stringify(pulled.command))));

    // Assess
    expect(outcomes).toEqual(['already_closed', 'already_closed']);
    expect(await ledger(customer.customerId)).toEqual(before);
  });
});
