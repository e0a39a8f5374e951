/** The admin API: customers, credits and node enrollment, behind the admin token. */
import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeBase64url } from '@b3iq/protocol';
import { describe, expect, inject, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { account, footprint, ledger, newCustomer, newTransportKey, store, uniqueId } from './support/world.js';

const credit = (customerId: string, json: unknown) =>
  callApi('POST', '/v1/admin/customers/{customer_id}/credits', { params: { customer_id: customerId }, headers: adminHeaders(), json });

describe('POST /v1/admin/customers', () => {
  it('creates a customer, shows the token once and stores only its hash', async () => {
    const customerId = uniqueId('cus');

    const answer = await callApi('POST', '/v1/admin/customers', { headers: adminHeaders(), json: { customer_id: customerId } });

    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ customer_id: customerId, customer_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const stored = await store.getCustomer(customerId);
    expect(stored?.tokens).toEqual([
      { token_id: expect.stringMatching(/^tok-/), token_hash: createHash('sha256').update(answer.body.customer_token).digest('hex') },
    ]);
    expect(JSON.stringify(stored, (_, value) => (typeof value === 'bigint' ? value.toString() : value))).not.toContain(
      answer.body.customer_token,
    );
  });

  it('makes an id when the body is empty', async () => {
    const answer = await callApi('POST', '/v1/admin/customers', { headers: adminHeaders(), body: '' });

    expect(answer.status).toBe(201);
    expect(answer.body.customer_id).toMatch(/^cus-/);
  });

  it('answers 409 customer_exists for a taken id', async () => {
    const customer = await newCustomer();

    const answer = await callApi('POST', '/v1/admin/customers', { headers: adminHeaders(), json: { customer_id: customer.customerId } });

    expect(answer.body.error.code).toBe('customer_exists');
  });

  it.each<{ case: string; headers: Record<string, string> }>([
    { case: 'no token', headers: {} },
    { case: 'a wrong token', headers: { 'X-B3IQ-Admin-Token': 'not-the-token' } },
  ])('answers 401 for $case', async ({ headers }) => {
    const answer = await callApi('POST', '/v1/admin/customers', { headers, json: {} });

    expect(answer.status).toBe(401);
  });
});

describe('POST /v1/admin/customers/{customer_id}/credits', () => {
  it('credits once per credit id and answers the account', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    const body = { credit_id: uniqueId('credit'), amount_wei: '250' };

    // Act
    const first = await credit(customer.customerId, body);
    const repeat = await credit(customer.customerId, body);

    // Assess
    expect(first.body).toEqual({
      customer_id: customer.customerId,
      balance_wei: '250',
      reserved_wei: '0',
      available_wei: '250',
      policy_version: 'flat-v1',
    });
    expect(repeat).toEqual(first);
    expect(await ledger(customer.customerId)).toEqual([
      expect.objectContaining({ kind: 'credit', amount_wei: 250n, balance_after_wei: 250n, reserved_after_wei: 0n }),
    ]);
  });

  it.each([
    { case: 'another amount', sameCustomer: true, amount: '251', status: 409, code: 'credit_id_conflict' },
    { case: 'another customer', sameCustomer: false, amount: '250', status: 409, code: 'credit_id_conflict' },
  ])('answers $status $code for a credit id reused with $case', async ({ sameCustomer, amount, status, code }) => {
    const [customer, other] = await Promise.all([newCustomer(0n), newCustomer(0n)]);
    const creditId = uniqueId('credit');
    await credit(customer.customerId, { credit_id: creditId, amount_wei: '250' });
    const target = sameCustomer ? customer : other;
    const before = await footprint(target);

    const answer = await credit(target.customerId, { credit_id: creditId, amount_wei: amount });

    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(await footprint(target)).toEqual(before);
  });

  it.each([
    { case: 'a zero amount', body: { credit_id: 'c-1', amount_wei: '0' }, code: 'invalid_request' },
    { case: 'a negative amount', body: { credit_id: 'c-1', amount_wei: '-5' }, code: 'invalid_request' },
    { case: 'a bad credit id', body: { credit_id: 'c 1', amount_wei: '5' }, code: 'invalid_request' },
    { case: 'an unknown field', body: { credit_id: 'c-1', amount_wei: '5', note: 'x' }, code: 'invalid_request' },
  ])('answers 400 for $case', async ({ body, code }) => {
    const customer = await newCustomer(0n);

    const answer = await credit(customer.customerId, { ...body, credit_id: body.credit_id === 'c-1' ? uniqueId('c') : body.credit_id });

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(code);
    expect((await account(customer.customerId)).balance_wei).toBe(0n);
  });

  it('answers 400 for a credit that would pass 38 digits, and changes nothing', async () => {
    const customer = await newCustomer(10n ** 38n - 1n);
    const before = await footprint(customer);

    const answer = await credit(customer.customerId, { credit_id: uniqueId('credit'), amount_wei: '1' });

    expect(answer.body.error.code).toBe('invalid_request');
    expect(await footprint(customer)).toEqual(before);
  });

  it('answers 404 customer_not_found for an unknown customer', async () => {
    const answer = await credit(uniqueId('nobody'), { credit_id: uniqueId('credit'), amount_wei: '5' });

    expect(answer.body.error.code).toBe('customer_not_found');
  });
});

describe('PUT /v1/admin/nodes/{node_id}', () => {
  const enrollment = () => ({
    status: 'active',
    models: [{ model_id: 'm-1', price_wei: '5' }],
    transport_keys: [{ key_id: 'k-1', public_key_x25519: encodeBase64url(newTransportKey().publicKey) }],
  });

  it('creates the node’s encrypted FIFO queue with a redrive to the dead-letter queue', async () => {
    // Prepare
    const nodeId = uniqueId('node');
    const { outputs } = inject('localStack');

    // Act
    const answer = await callApi('PUT', '/v1/admin/nodes/{node_id}', {
      params: { node_id: nodeId },
      headers: adminHeaders(),
      json: enrollment(),
    });

    // Assess
    expect(answer.status).toBe(200);
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: `${outputs.NodeQueuePrefix}${nodeId}.fifo` }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      KmsMasterKeyId: outputs.DataKeyArn,
    });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: outputs.DeadLetterQueueArn });
  });

  it('upgrades the queue of a node enrolled before high-throughput mode when the node is enrolled again', async () => {
    // Prepare: the queue as an earlier release left it. SQS reports (and compares) its defaults,
    // queue-wide deduplication and throughput, on a FIFO queue made without them; ministack compares
    // only the attributes a queue was made with, so they are stated here to get SQS's refusal.
    const nodeId = uniqueId('node');
    const { outputs } = inject('localStack');
    const sqs = new SQSClient({});
    const QueueName = `${outputs.NodeQueuePrefix}${nodeId}.fifo`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName,
        Attributes: { FifoQueue: 'true', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' },
      }),
    );

    // Act
    const answer = await callApi('PUT', '/v1/admin/nodes/{node_id}', {
      params: { node_id: nodeId },
      headers: adminHeaders(),
      json: enrollment(),
    });

    // Assess
    expect(answer.status).toBe(200);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl).toBe(QueueUrl);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      FifoQueue: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      KmsMasterKeyId: outputs.DataKeyArn,
    });
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: outputs.DeadLetterQueueArn });
  });

  it.each([
    { case: 'no models', patch: { models: [] } },
    { case: 'no transport keys', patch: { transport_keys: [] } },
    {
      case: 'a low-order transport key',
      patch: { transport_keys: [{ key_id: 'k', public_key_x25519: encodeBase64url(new Uint8Array(32)) }] },
    },
    { case: 'an unknown status', patch: { status: 'paused' } },
  ])('answers 400 invalid_request for $case and enrolls nothing', async ({ patch }) => {
    const nodeId = uniqueId('node');

    const answer = await callApi('PUT', '/v1/admin/nodes/{node_id}', {
      params: { node_id: nodeId },
      headers: adminHeaders(),
      json: { ...enrollment(), ...patch },
    });

    expect(answer.body.error.code).toBe('invalid_request');
    expect(await store.getNode(nodeId)).toBeUndefined();
  });
});
