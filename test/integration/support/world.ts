/**
 * Test fixtures made through the admin API, and direct reads of the emulator's table and queues
 * to check what a request changed (or that it changed nothing).
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Envelope } from '@b3iq/protocol';
import { encodeBase64url, sealEnvelope, signNodeKeyStatement } from '@b3iq/protocol';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { expect, inject } from 'vitest';
import { dynamoDbStore } from '../../../lambdas/adapters/dynamodb/control-plane-store.js';
import type { AccountTotals } from '../../../lambdas/domain/account.js';
import { accountTotals, type Bucket, planRefill } from '../../../lambdas/domain/escrow.js';
import type { Job } from '../../../lambdas/domain/job.js';
import { NO_TOTALS, type TotalledEntry, withRunningTotals } from '../../../lambdas/domain/ledger-totals.js';
import type { AccountSnapshot } from '../../../lambdas/services/ports/accounts.js';
import type { ControlPlaneStore } from '../../../lambdas/services/ports/store.js';
import { type ApiAnswer, adminHeaders, callApi } from './api.js';
import { tableName } from './table.js';

const dynamodb = new DynamoDBClient({});
const stores = new Map<string, ControlPlaneStore>();

/** The store of the file's current table (see table.ts), made on first use. */
function currentStore(): ControlPlaneStore {
  const name = tableName();
  let found = stores.get(name);
  if (found === undefined) {
    found = dynamoDbStore(dynamodb, name);
    stores.set(name, found);
  }
  return found;
}

/** The store as the handlers see it: it follows the file's table, so a file with its own table reads that one. */
const store = new Proxy({} as ControlPlaneStore, {
  get: (_, property) => {
    const target = currentStore();
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});
const sqs = new SQSClient({});

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

interface TestCustomer {
  customerId: string;
  token: string;
  headers: Record<string, string>;
}

interface TestNode {
  nodeId: string;
  keyId: string;
  modelId: string;
  priceWei: bigint;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** Ed25519 identity the node signs its requests and receipts with. */
  identitySecretKey: Uint8Array;
}

async function newCustomer(balanceWei = 10n ** 21n): Promise<TestCustomer> {
  const created = await callApi('POST', '/v1/admin/customers', { headers: adminHeaders(), json: { customer_id: uniqueId('cus') } });
  expect(created.status).toBe(201);
  const customer = { customerId: created.body.customer_id as string, token: created.body.customer_token as string };
  if (balanceWei > 0n) {
    const credited = await callApi('POST', '/v1/admin/customers/{customer_id}/credits', {
      params: { customer_id: customer.customerId },
      headers: adminHeaders(),
      json: { credit_id: uniqueId('credit'), amount_wei: balanceWei.toString() },
    });
    expect(credited.status).toBe(200);
  }
  return {
    ...customer,
    headers: { 'X-B3IQ-Customer-ID': customer.customerId, 'X-B3IQ-Customer-Token': customer.token },
  };
}

function newTransportKey() {
  const secretKey = x25519.utils.randomSecretKey();
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

async function newNode(options: { priceWei?: bigint; status?: 'active' | 'disabled' } = {}): Promise<TestNode> {
  const { secretKey, publicKey } = newTransportKey();
  const node = {
    nodeId: uniqueId('node'),
    keyId: uniqueId('tk'),
    modelId: 'llama-3.1-8b-instruct',
    priceWei: options.priceWei ?? 1_000_000_000_000_000n,
    secretKey,
    publicKey,
    identitySecretKey: ed25519.utils.randomSecretKey(),
  };
  const enrolled = await enrollNode(node, options.status ?? 'active');
  expect(enrolled.status).toBe(200);
  return node;
}

/** A transport key as enrolled: with the node identity key's signature of its statement about it. */
function signedTransportKey(
  node: Pick<TestNode, 'nodeId' | 'identitySecretKey'>,
  key: { key_id: string; public_key_x25519: string; valid_until?: string | null },
) {
  const claim = {
    node_id: node.nodeId,
    key_id: key.key_id,
    public_key_x25519: key.public_key_x25519,
    valid_until: key.valid_until ?? null,
  };
  return { ...key, node_signature_ed25519: signNodeKeyStatement(node.identitySecretKey, claim) };
}

/** Enrolls the node again as it is (model, price, key, identity), with `status`: the admin's answer. */
function enrollNode(node: TestNode, status: 'active' | 'disabled'): Promise<ApiAnswer> {
  return callApi('PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: node.nodeId },
    headers: adminHeaders(),
    json: {
      status,
      models: [{ model_id: node.modelId, price_wei: node.priceWei.toString() }],
      transport_keys: [signedTransportKey(node, { key_id: node.keyId, public_key_x25519: encodeBase64url(node.publicKey) })],
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
    },
  });
}

/** A job body sealed to the node's key, as the SDK would send it. */
function sealedJob(
  node: Pick<TestNode, 'nodeId' | 'keyId' | 'modelId' | 'publicKey'>,
  extra: { job_id?: string; max_price_wei?: string; model_id?: string } = {},
) {
  const modelId = extra.model_id ?? node.modelId;
  const plaintext = new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: `hello ${uniqueId('p')}` }] }));
  const { envelope } = sealEnvelope('request', node.publicKey, { key_id: node.keyId, node_id: node.nodeId, model_id: modelId }, plaintext);
  return { ...extra, node_id: node.nodeId, model_id: modelId, encrypted_request: envelope as Envelope };
}

/** The account and all its buckets, one consistent snapshot (read again while a write in flight cancels it). */
async function accountSnapshot(customerId: string): Promise<AccountSnapshot> {
  for (;;) {
    const read = await store.readAccount(customerId);
    if (read.type === 'found') return read.account;
    if (read.type === 'not_found') throw new Error(`no customer ${customerId}`);
  }
}

/** The account's totals over its buckets: balance, reserved and available. */
async function account(customerId: string): Promise<AccountTotals> {
  return accountTotals((await accountSnapshot(customerId)).buckets);
}

/** Every bucket of the account, in index order. */
async function buckets(customerId: string): Promise<Bucket[]> {
  return (await accountSnapshot(customerId)).buckets;
}

/** A bucket that covers `price` (refilled from the others if none does), for a test that reserves through the store itself. */
async function fundedBucket(customerId: string, price: bigint): Promise<number> {
  const found = await buckets(customerId);
  const covering = found.find((bucket) => bucket.available_wei >= price);
  if (covering !== undefined) return covering.index;
  const plan = planRefill(found, price, new Set());
  if (plan === undefined) throw new Error(`the account of ${customerId} does not cover ${price}`);
  expect(await store.refillBucket(customerId, plan)).toEqual({ type: 'refilled' });
  return plan.target;
}

async function storedJob(customerId: string, jobId: string): Promise<Job | undefined> {
  return (await store.read({ customerId, jobId })).job;
}

/** The customer's whole ledger (up to 1000 rows), newest first, with the running totals recomputed from its first entry. */
async function ledger(customerId: string): Promise<TotalledEntry[]> {
  const newestFirst = await store.ledger(customerId, 1000);
  return withRunningTotals(NO_TOTALS, newestFirst.toReversed()).toReversed();
}

async function queueUrl(nodeId: string): Promise<string> {
  const name = `${inject('localStack').outputs.NodeQueuePrefix}${nodeId}.fifo`;
  return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl as string;
}

/** Messages waiting in the node's queue, visible or in flight. */
async function queueDepth(nodeId: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: await queueUrl(nodeId),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Receives every message in the node's queue (hiding them for a minute), as raw bodies. */
async function drainQueue(nodeId: string): Promise<string[]> {
  const url = await queueUrl(nodeId);
  const bodies: string[] = [];
  for (;;) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    if (Messages === undefined || Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body ?? ''));
  }
}

/** What a request may change: the account, its ledger and the node's queue. */
async function footprint(customer: TestCustomer, node?: TestNode) {
  return {
    account: await account(customer.customerId),
    ledgerRows: (await ledger(customer.customerId)).length,
    queued: node === undefined ? 0 : await queueDepth(node.nodeId),
  };
}

export type { TestCustomer, TestNode };
export {
  account,
  accountSnapshot,
  buckets,
  drainQueue,
  enrollNode,
  footprint,
  fundedBucket,
  ledger,
  newCustomer,
  newNode,
  newTransportKey,
  queueDepth,
  sealedJob,
  signedTransportKey,
  store,
  storedJob,
  uniqueId,
};
