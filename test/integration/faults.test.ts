/**
 * Failures of the AWS services behind the control plane, driven through the Lambda handlers: KMS
 * (signing, the key directory, the node queues' encryption), Secrets Manager (the admin token)
 * and DynamoDB transactions that keep losing their race until the retries run out. Each fault is
 * injected by stubbing the AWS SDK client's `send` for the one command the test targets (the
 * emulator cannot be made to fail a call on demand); every other call reaches the emulator as usual.
 */
import {
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeBase64url, receiptHash } from '@b3iq/protocol';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { awsError, injectFault, mentions, type SdkCommand } from './support/aws-faults.js';
import { queuedJob } from './support/jobs.js';
import { cancelJob, getJob } from './support/lifecycle.js';
import { nodeCall, pullJob, resultFor } from './support/node-calls.js';
import { account, ledger, newCustomer, newNode, queueDepth, sealedJob, signedTransportKey, storedJob, uniqueId } from './support/world.js';

/** The documented answer when an account changes too fast: 429 `rate_limited`, in the problem shape. */
const RATE_LIMITED = { status: 429, title: 'Rate limited', detail: expect.any(String), code: 'rate_limited' };
/** How many times a write that loses its race is tried before the caller is asked to retry (the contract's 64). */
const ATTEMPTS = 64;

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Every transaction that touches `customerId` is cancelled as DynamoDB cancels a transaction that
 * lost a race to another writer: `TransactionConflict` on the items that name the customer.
 */
function conflictEveryTransactionOf(customerId: string) {
  return injectFault(DynamoDBClient, (command: SdkCommand) => {
    if (!(command instanceof TransactWriteItemsCommand) || !mentions(command, customerId)) return undefined;
    const items = command.input.TransactItems ?? [];
    return new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: items.map((item) => ({
        Code: JSON.stringify(item).includes(customerId) ? 'TransactionConflict' : 'None',
        Message: JSON.stringify(item).includes(customerId) ? 'Transaction is ongoing for the item' : undefined,
      })),
    });
  });
}

describe('retries that run out', () => {
  it('answers 429 rate_limited to a submit after 64 lost races, and reserves, writes and queues nothing', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 1_000n });
    const jobId = uniqueId('job');
    const before = await account(customer.customerId);
    const fault = conflictEveryTransactionOf(customer.customerId);

    // Act
    const answer = await callApi('POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: sealedJob(node, { job_id: jobId }),
    });

    // Assess
    expect(answer.status).toBe(429);
    expect(answer.body).toEqual({ error: RATE_LIMITED });
    expect(answer.headers).toMatchObject({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    expect(fault.injected).toBe(ATTEMPTS);
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toEqual(before);
    expect((await ledger(customer.customerId)).map((row) => row.kind)).toEqual(['credit']);
    expect(await storedJob(customer.customerId, jobId)).toBeUndefined();
    expect(await queueDepth(node.nodeId)).toBe(0);
  });

  it('answers 429 rate_limited to a cancel after 64 lost races, and the job stays queued and reserved', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 700n });
    const jobId = uniqueId('job');
    expect(
      (await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node, { job_id: jobId }) })).status,
    ).toBe(202);
    const fault = conflictEveryTransactionOf(customer.customerId);

    // Act
    const answer = await cancelJob(customer, jobId);

    // Assess
    expect(answer.status).toBe(429);
    expect(answer.body).toEqual({ error: RATE_LIMITED });
    expect(fault.injected).toBe(ATTEMPTS);
    vi.restoreAllMocks();
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'queued', billing_status: 'reserved', completed_at: null });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 700n });
    expect((await ledger(customer.customerId)).map((row) => row.kind).sort()).toEqual(['credit', 'reserve']);
  });

  it('answers 429 rate_limited to a result after 64 lost races, and debits, pays and publishes nothing', async () => {
    // Prepare: a claimed job and its node's valid result.
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 900n });
    const jobId = uniqueId('job');
    expect(
      (await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node, { job_id: jobId }) })).status,
    ).toBe(202);
    const pulled = await pullJob(node, jobId);
    const result = resultFor(node, pulled);
    const fault = conflictEveryTransactionOf(customer.customerId);

    // Act
    const answer = await nodeCall(node, 'result', result, { commandId: pulled.command.command_id });

    // Assess
    expect(answer.status).toBe(429);
    expect(answer.body).toEqual({ error: RATE_LIMITED });
    expect(fault.injected).toBe(ATTEMPTS);
    vi.restoreAllMocks();
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({
      status: 'claimed',
      billing_status: 'reserved',
      receipt_hash: null,
    });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 900n });
    expect((await ledger(customer.customerId)).map((row) => row.kind).sort()).toEqual(['credit', 'reserve']);
    const receipt = await callApi('GET', '/v1/receipts/{receipt_hash}', { params: { receipt_hash: receiptHash(result.receipt) } });
    expect(receipt.status).toBe(404);
    // The same result once the account is quiet settles the job: nothing was left half-done.
    const again = await nodeCall(node, 'result', result, { commandId: pulled.command.command_id });
    expect(again.status).toBe(200);
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 4_100n, reserved_wei: 0n });
  });

  it('answers 429 rate_limited to a credit after 64 lost races, and credits nothing; the same credit later applies once', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    const credit = { credit_id: uniqueId('credit'), amount_wei: '250' };
    const call = () =>
      callApi('POST', '/v1/admin/customers/{customer_id}/credits', {
        params: { customer_id: customer.customerId },
        headers: adminHeaders(),
        json: credit,
      });
    const fault = conflictEveryTransactionOf(customer.customerId);

    // Act
    const answer = await call();

    // Assess
    expect(answer.status).toBe(429);
    expect(answer.body).toEqual({ error: RATE_LIMITED });
    expect(fault.injected).toBe(ATTEMPTS);
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 0n, reserved_wei: 0n });
    expect(await ledger(customer.customerId)).toEqual([]);
    const retried = await call();
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ balance_wei: '250' });
  });
});

describe('a job held by a transaction in flight', () => {
  it('claims the job on a pull once the transaction holding it is done: the claim is tried again, never a 500', async () => {
    // Prepare: DynamoDB refuses a plain write to an item that a transaction in flight holds
    // (TransactionConflictException); the emulator runs transactions one at a time and never does.
    const { customer, node, jobId } = await queuedJob(300n, 5_000n);
    const fault = injectFault(DynamoDBClient, (command) =>
      command instanceof UpdateItemCommand && mentions(command, jobId) && fault.injected < 2
        ? new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: { httpStatusCode: 400 } })
        : undefined,
    );

    // Act
    const answer = await nodeCall(node, 'pull', { max_commands: 10, wait_seconds: 0, lease_seconds: 60 });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.commands.map((pulled: { command: { job_id: string } }) => pulled.command.job_id)).toEqual([jobId]);
    expect(fault.injected).toBe(2);
    expect((await storedJob(customer.customerId, jobId))?.status).toBe('claimed');
  });
});

describe('KMS failures', () => {
  it('answers 500 to an enrollment whose key record KMS cannot sign, and enrolls nothing', async () => {
    // Prepare: KMS Sign fails as it does when the signing key is disabled.
    const customer = await newCustomer(0n);
    const nodeId = uniqueId('node');
    const identity = ed25519.utils.randomSecretKey();
    const body = {
      status: 'active',
      models: [{ model_id: 'llama-3.1-8b-instruct', price_wei: '1000' }],
      transport_keys: [
        signedTransportKey(
          { nodeId, identitySecretKey: identity },
          { key_id: uniqueId('tk'), public_key_x25519: encodeBase64url(x25519.getPublicKey(x25519.utils.randomSecretKey())) },
        ),
      ],
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(identity)),
    };
    const enroll = () => callApi('PUT', '/v1/admin/nodes/{node_id}', { params: { node_id: nodeId }, headers: adminHeaders(), json: body });
    const fault = injectFault(KMSClient, (command) =>
      command instanceof SignCommand
        ? awsError('DisabledException', 'arn:aws:kms:us-east-1:000000000000:key/secret-key-id is disabled')
        : undefined,
    );

    // Act
    const answer = await enroll();

    // Assess: a bare 500 that names nothing internal, and no node (nor its queue) was written.
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      error: { status: 500, title: 'Internal error', detail: expect.any(String), code: 'internal_error' },
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/secret-key-id|DisabledException|kms/i);
    expect(fault.injected).toBe(1);
    vi.restoreAllMocks();
    const read = await callApi('GET', '/v1/private-inference/nodes/{node_id}', { params: { node_id: nodeId }, headers: customer.headers });
    expect(read.status).toBe(404);
    await expect(queueDepth(nodeId)).rejects.toThrow();
    // Once KMS signs again, the same enrollment succeeds.
    expect((await enroll()).status).toBe(200);
  });

  it('answers 500 to a pull when the node queue’s KMS key refuses, and leaves the job queued', async () => {
    // Prepare: the queue is encrypted with the stack's data key; SQS reports a KMS refusal on receive.
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 300n });
    const jobId = uniqueId('job');
    expect(
      (await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node, { job_id: jobId }) })).status,
    ).toBe(202);
    const fault = injectFault(SQSClient, (command) =>
      command instanceof ReceiveMessageCommand && mentions(command, node.nodeId)
        ? awsError('KmsAccessDenied', 'The ciphertext refers to a customer master key that does not exist')
        : undefined,
    );

    // Act
    const answer = await nodeCall(node, 'pull', { max_commands: 10, wait_seconds: 0, lease_seconds: 60 });

    // Assess
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('internal_error');
    expect(fault.injected).toBe(1);
    vi.restoreAllMocks();
    expect((await getJob(customer, jobId)).body).toMatchObject({ status: 'queued', billing: { status: 'reserved' } });
    // Nothing was lost: the next pull answers the command.
    expect((await pullJob(node, jobId)).command.job_id).toBe(jobId);
  });

  it('accepts a job whose send after the commit fails on the queue’s KMS key; the relay delivers it', async () => {
    // Prepare
    const customer = await newCustomer(5_000n);
    const node = await newNode({ priceWei: 400n });
    const jobId = uniqueId('job');
    const fault = injectFault(SQSClient, (command) =>
      command instanceof SendMessageCommand && mentions(command, jobId)
        ? awsError('KmsDisabled', 'The request was denied: the key is disabled')
        : undefined,
    );

    // Act
    const answer = await callApi('POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: sealedJob(node, { job_id: jobId }),
    });

    // Assess: accepted (the commit happened); the deployed relay, reading the stream, delivers it.
    expect(answer.status).toBe(202);
    expect(fault.injected).toBe(1);
    vi.restoreAllMocks();
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 400n });
    expect((await pullJob(node, jobId)).command.job_id).toBe(jobId);
  });

  describe('the key directory key (KMS GetPublicKey)', () => {
    /**
     * The handlers of a container that has not read the directory key yet: each Lambda keeps the
     * key once it has it, so a cold start is the only time GetPublicKey is called.
     */
    async function coldHandlers() {
      vi.resetModules();
      return import('./support/api.js');
    }
    const unavailable = (command: SdkCommand) =>
      command instanceof GetPublicKeyCommand ? awsError('KMSInternalException', 'internal failure for key secret-key-id', 500) : undefined;

    it('answers 500 to the key directory while KMS fails, and the key once KMS answers again', async () => {
      // Prepare
      const customer = await newCustomer(0n);
      const expected = await callApi('GET', '/v1/private-inference/key-directory', { headers: customer.headers });
      expect(expected.status).toBe(200);
      const cold = await coldHandlers();
      const fault = injectFault(KMSClient, unavailable);

      // Act
      const failed = await cold.callApi('GET', '/v1/private-inference/key-directory', { headers: customer.headers });
      vi.restoreAllMocks();
      const recovered = await cold.callApi('GET', '/v1/private-inference/key-directory', { headers: customer.headers });

      // Assess
      expect(fault.injected).toBe(1);
      expect(failed.status).toBe(500);
      expect(failed.body.error.code).toBe('internal_error');
      expect(JSON.stringify(failed.body)).not.toContain('secret-key-id');
      expect(recovered.status).toBe(200);
      expect(recovered.body).toEqual(expected.body);
    });

    it('answers 500 to a submit while KMS fails and reserves nothing; the same submit is accepted once KMS answers', async () => {
      // Prepare
      const customer = await newCustomer(5_000n);
      const node = await newNode({ priceWei: 600n });
      const body = sealedJob(node, { job_id: uniqueId('job') });
      const cold = await coldHandlers();
      const fault = injectFault(KMSClient, unavailable);

      // Act
      const failed = await cold.callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });
      vi.restoreAllMocks();
      const afterFailure = await account(customer.customerId);
      const recovered = await cold.callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: body });

      // Assess
      expect(fault.injected).toBe(1);
      expect(failed.status).toBe(500);
      expect(afterFailure).toMatchObject({ balance_wei: 5_000n, reserved_wei: 0n });
      expect(recovered.status).toBe(202);
      expect(await account(customer.customerId)).toMatchObject({ balance_wei: 5_000n, reserved_wei: 600n });
    });
  });
});

describe('Secrets Manager failure (the admin token)', () => {
  it('answers 500 to an admin call while the token secret cannot be read, creates nothing, and admits again once it can', async () => {
    // Prepare: a container that has not read the admin token yet (it keeps the hash for five minutes).
    vi.resetModules();
    const cold = await import('./support/api.js');
    const customerId = uniqueId('cus');
    const create = () => cold.callApi('POST', '/v1/admin/customers', { headers: adminHeaders(), json: { customer_id: customerId } });
    const fault = injectFault(SecretsManagerClient, (command) =>
      command instanceof GetSecretValueCommand
        ? awsError('InternalServiceError', 'secret arn:aws:secretsmanager:admin-token unavailable', 500)
        : undefined,
    );

    // Act
    const failed = await create();
    vi.restoreAllMocks();
    const recovered = await create();

    // Assess: the failure is a bare 500 (not a 401 that would send the operator after the token).
    expect(fault.injected).toBe(1);
    expect(failed.status).toBe(500);
    expect(failed.body.error.code).toBe('internal_error');
    expect(JSON.stringify(failed.body)).not.toContain('admin-token');
    expect(recovered.status).toBe(201);
    expect(recovered.body.customer_id).toBe(customerId);
  });
});
