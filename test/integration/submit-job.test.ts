/** `POST /v1/private-inference/jobs` against the deployed table, queues and keys. */
import { describe, expect, it } from 'vitest';
import { callApi } from './support/api.js';
import { submit } from './support/jobs.js';
import {
  account,
  drainQueue,
  enrollNode,
  footprint,
  ledger,
  newCustomer,
  newNode,
  queueDepth,
  sealedJob,
  store,
  storedJob,
  uniqueId,
} from './support/world.js';

describe('POST /v1/private-inference/jobs', () => {
  it('reserves the price, records the job and a ledger row, and queues a command for the node', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 1_234n });
    const jobId = uniqueId('job');
    const body = sealedJob(node, { job_id: jobId, max_price_wei: '2000' });

    // Act
    const answer = await submit(customer, body);

    // Assess: the 202 is exactly the seed's shape
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      status: 'queued',
      job_id: jobId,
      node_id: node.nodeId,
      command_id: expect.stringMatching(/^cmd-/),
      billing: {
        customer_id: customer.customerId,
        policy_version: 'flat-v1',
        quoted_price_wei: '1234',
        reserved_price_wei: '1234',
        payout_price_wei: '1111', // 1234 − floor(1234 × 1000 / 10000)
        status: 'reserved',
      },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
    });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 1_234n });
    const job = await storedJob(customer.customerId, jobId);
    expect(job).toMatchObject({ status: 'queued', billing_status: 'reserved', command_id: answer.body.command_id });
    expect((await store.getJobWithEnvelopes(customer.customerId, jobId))?.envelopes.encrypted_request).toEqual(body.encrypted_request);
    const reservation = (await ledger(customer.customerId)).find((entry) => entry.kind === 'reserve');
    expect(reservation).toMatchObject({
      private_job_id: jobId,
      amount_wei: 1_234n,
      balance_after_wei: 5_000n,
      reserved_after_wei: 1_234n,
    });
    const [message, ...rest] = await drainQueue(node.nodeId);
    expect(rest).toHaveLength(0);
    const command = JSON.parse(message ?? '{}');
    expect(command).toEqual({
      type: 'private_inference',
      command_id: answer.body.command_id,
      job_id: jobId,
      node_id: node.nodeId,
      model_id: node.modelId,
      price_wei: '1234',
      encrypted_request: body.encrypted_request,
      created_at: answer.body.created_at,
    });
    expect(message).not.toContain(customer.token);
    expect(message).not.toContain(customer.customerId);
  });

  it('makes a job id when the request has none', async () => {
    const customer = await newCustomer();
    const node = await newNode();

    const answer = await submit(customer, sealedJob(node));

    expect(answer.status).toBe(202);
    expect(answer.body.job_id).toMatch(/^job-[0-9a-f-]{36}$/);
    expect(await storedJob(customer.customerId, answer.body.job_id)).toBeDefined();
  });

  it('answers an identical replay with the first 202 and reserves nothing more', async () => {
    // Prepare
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 100n });
    const body = sealedJob(node, { job_id: uniqueId('job') });
    const first = await submit(customer, body);
    const before = await footprint(customer, node);
    // Key order and whitespace do not matter.
    const reordered = `{ "encrypted_request": ${JSON.stringify(
      Object.fromEntries(Object.entries(body.encrypted_request).reverse()),
      null,
      2,
    )}, "model_id": "${body.model_id}", "node_id": "${body.node_id}", "job_id": "${body.job_id}" }`;

    // Act
    const replays = await Promise.all([
      submit(customer, body),
      callApi('POST', '/v1/private-inference/jobs', {
        headers: { ...customer.headers, 'Content-Type': 'application/json' },
        body: reordered,
      }),
    ]);

    // Assess
    for (const replay of replays) {
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual(first.body);
    }
    expect(await footprint(customer, node)).toEqual(before);
    expect(await queueDepth(node.nodeId)).toBe(1);
  });

  it('answers a replay with the first 202 even after the node was disabled and the balance spent', async () => {
    // Prepare: the job spends the whole balance, then the node is disabled; a new job is refused.
    const customer = await newCustomer(100n);
    const node = await newNode({ priceWei: 100n });
    const body = sealedJob(node, { job_id: uniqueId('job') });
    const first = await submit(customer, body);
    expect(first.status).toBe(202);
    const disabled = await enrollNode(node, 'disabled');
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    const refused = await submit(customer, sealedJob(node, { job_id: uniqueId('job') }));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('node_unavailable');
    const before = await footprint(customer, node);

    // Act
    const replay = await submit(customer, body);

    // Assess: the first answer, and nothing reserved or queued again.
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect(await footprint(customer, node)).toEqual(before);
    expect(before.account).toMatchObject({ balance_wei: 100n, reserved_wei: 100n });
  });

  it.each([
    { case: 'another model', change: { model_id: 'llama-3.1-70b-instruct' } },
    { case: 'a price ceiling added', change: { max_price_wei: '1000000000000000000' } },
  ])('refuses a job_id reused with a different request ($case) and changes nothing', async ({ change }) => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode();
    const jobId = uniqueId('job');
    // Without aad_hash the envelope is not bound to the model, so only `change` differs.
    const { aad_hash: _, ...envelope } = sealedJob(node).encrypted_request;
    const first = { job_id: jobId, node_id: node.nodeId, model_id: node.modelId, encrypted_request: envelope };
    expect((await submit(customer, first)).status).toBe(202);
    const before = await footprint(customer, node);
    const reused = { ...first, ...change };

    // Act
    const answer = await submit(customer, reused);

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('job_id_conflict');
    expect(await footprint(customer, node)).toEqual(before);
  });

  it('refuses a job_id reused with a new envelope', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const jobId = uniqueId('job');
    expect((await submit(customer, sealedJob(node, { job_id: jobId }))).status).toBe(202);

    const answer = await submit(customer, sealedJob(node, { job_id: jobId }));

    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('job_id_conflict');
  });

  it('scopes job ids to the customer: two customers may use the same one', async () => {
    const [alice, bob] = await Promise.all([newCustomer(), newCustomer()]);
    const node = await newNode();
    const jobId = uniqueId('job');

    const answers = await Promise.all([submit(alice, sealedJob(node, { job_id: jobId })), submit(bob, sealedJob(node, { job_id: jobId }))]);

    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    expect(answers[0]?.body.command_id).not.toBe(answers[1]?.body.command_id);
    expect(await queueDepth(node.nodeId)).toBe(2);
  });
});
