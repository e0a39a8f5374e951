/**
 * A node's earnings are one running sum of its payouts (a DynamoDB number, 38 digits). A price is
 * refused at enrollment above 26 digits (MAX_PRICE_WEI), so the sum fits for a trillion jobs at the
 * highest price. Before this bound a 38-digit price was enrolled and the node's second job took the
 * sum past 38 digits: DynamoDB refuses such a number (a 500 at settlement); the emulator stores it
 * silently (measured), so the first test here, not a settlement, is the one that failed before.
 */
import { MAX_PRICE_WEI } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { acceptedJob } from './support/jobs.js';
import { answerJob } from './support/node-calls.js';
import { enrollNode, newCustomer, newNode, store } from './support/world.js';

describe('the highest price per job', () => {
  it('refuses at enrollment a price that the earnings item could not add up (38 digits), and keeps the node as it was', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    const node = await newNode();
    const view = () =>
      callApi('GET', '/v1/private-inference/nodes/{node_id}', { headers: customer.headers, params: { node_id: node.nodeId } });
    const before = await view();

    // Act
    const answer = await enrollNode({ ...node, priceWei: 10n ** 38n - 1n }, 'active');

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'invalid_request',
      detail: expect.stringMatching(/^models\[0\]\.price_wei must be at most 26 digits/),
    });
    expect(await view()).toEqual(before);
  });

  it('settles jobs at the highest price one after another, the earnings adding up exactly', async () => {
    // Prepare
    const customer = await newCustomer(10n * MAX_PRICE_WEI);
    const node = await newNode({ priceWei: MAX_PRICE_WEI });

    // Act: each job is submitted and answered before the next (a pull would lease both at once).
    const settled = [];
    for (const _ of [1, 2]) {
      const job = await acceptedJob(customer, node);
      settled.push(await answerJob(node, job.jobId, (prompt) => prompt));
    }

    // Assess
    expect(settled.map((answer) => answer.status)).toEqual([200, 200]);
    const earnings = await store.getEarnings(node.nodeId);
    expect(earnings.payout_wei + earnings.protocol_fee_wei).toBe(2n * MAX_PRICE_WEI);
  });
});
