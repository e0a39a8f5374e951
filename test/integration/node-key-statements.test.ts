/**
 * Node-signed key records at enrollment: a node with an identity key signs its statement
 * (b3iq-node-key-statement-v1) about every transport key it lists; an enrollment whose statements
 * are missing or do not verify is 400 invalid_request, naming the key, and changes nothing. The
 * node view carries the identity key and each key's node signature; the KMS record names the
 * identity key. A node without an identity key can be stored unsigned but never serves.
 */

import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeBase64url, signNodeKeyStatement, verifiesNodeKeyStatement } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { injectFault } from './support/aws-faults.js';
import { nodeCall } from './support/node-calls.js';
import {
  newCustomer,
  newNode,
  newTransportKey,
  queueDepth,
  signedTransportKey,
  store,
  type TestCustomer,
  type TestNode,
  uniqueId,
} from './support/world.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const identityOf = (secretKey: Uint8Array) => encodeBase64url(ed25519.getPublicKey(secretKey));

interface KeyToEnroll {
  key_id: string;
  public_key_x25519: string;
  valid_until?: string | null;
  node_signature_ed25519?: string;
}

function enroll(nodeId: string, transportKeys: KeyToEnroll[], extra: Record<string, unknown> = {}) {
  return callApi('PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: nodeId },
    headers: adminHeaders(),
    json: { status: 'active', models: [{ model_id: 'llama-3.1-8b-instruct', price_wei: '1000' }], transport_keys: transportKeys, ...extra },
  });
}

function nodeView(customer: TestCustomer, nodeId: string) {
  return callApi('GET', '/v1/private-inference/nodes/{node_id}', { headers: customer.headers, params: { node_id: nodeId } });
}

/** The node's enrolled key, and a second key the cases below spoil (index 1 in the body). */
function keysOf(node: TestNode) {
  const current = { key_id: node.keyId, public_key_x25519: encodeBase64url(node.publicKey) };
  const next = { key_id: uniqueId('tk'), public_key_x25519: encodeBase64url(newTransportKey().publicKey) };
  return { current, next };
}

const otherIdentity = ed25519.utils.randomSecretKey();
const statementOf = (nodeId: string, key: KeyToEnroll, validUntil: string | null = null) => ({
  node_id: nodeId,
  key_id: key.key_id,
  public_key_x25519: key.public_key_x25519,
  valid_until: validUntil,
});

describe('PUT /v1/admin/nodes/{node_id} of a node with an identity key', () => {
  it.each<{ case: string; spoil: (node: TestNode, next: KeyToEnroll) => KeyToEnroll; detail: RegExp }>([
    { case: 'a key without its node signature', spoil: (_node, next) => next, detail: /is missing/ },
    {
      case: 'a key signed by another identity key',
      spoil: (node, next) => ({ ...next, node_signature_ed25519: signNodeKeyStatement(otherIdentity, statementOf(node.nodeId, next)) }),
      detail: /does not verify/,
    },
    {
      case: 'the statement of another window',
      spoil: (node, next) => ({
        ...next,
        node_signature_ed25519: signNodeKeyStatement(node.identitySecretKey, statementOf(node.nodeId, next, '2999-01-01T00:00:00Z')),
      }),
      detail: /does not verify/,
    },
    {
      case: 'the statement of another node',
      spoil: (node, next) => ({
        ...next,
        node_signature_ed25519: signNodeKeyStatement(node.identitySecretKey, statementOf(uniqueId('node'), next)),
      }),
      detail: /does not verify/,
    },
  ])('answers 400 invalid_request naming the key for $case, and changes nothing', async ({ spoil, detail }) => {
    // Prepare: KMS and SQS are watched (every command passes through): a refused enrollment sends neither.
    const customer = await newCustomer(0n);
    const node = await newNode();
    const { current, next } = keysOf(node);
    const before = await nodeView(customer, node.nodeId);
    const stored = await store.getNode(node.nodeId);
    const kms = injectFault(KMSClient, () => undefined);
    const sqs = injectFault(SQSClient, () => undefined);

    // Act: the body omits the identity key, so the current one stays and must have signed both keys.
    const answer = await enroll(node.nodeId, [signedTransportKey(node, current), spoil(node, next)]);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.detail).toMatch(/^transport_keys\[1\]\.node_signature_ed25519 /);
    expect(answer.body.error.detail).toMatch(detail);
    expect(kms.sent.filter((command) => command instanceof SignCommand)).toEqual([]);
    expect(sqs.sent.filter((command) => command instanceof CreateQueueCommand)).toEqual([]);
    vi.restoreAllMocks();
    expect(await nodeView(customer, node.nodeId)).toEqual(before);
    expect((await store.getNode(node.nodeId))?.revision).toBe(stored?.revision);
  });

  it('answers 400 to a new node whose key is not signed, and creates neither the node nor its queue', async () => {
    // Prepare
    const nodeId = uniqueId('node');
    const key = { key_id: uniqueId('tk'), public_key_x25519: encodeBase64url(newTransportKey().publicKey) };

    // Act
    const answer = await enroll(nodeId, [key], { identity_public_key_ed25519: identityOf(ed25519.utils.randomSecretKey()) });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', detail: expect.stringMatching(/^transport_keys\[0\]\./) });
    expect(await store.getNode(nodeId)).toBeUndefined();
    await expect(queueDepth(nodeId)).rejects.toThrow();
  });

  it('publishes the identity key, each key signed by it, and records that name it', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    const node = await newNode();

    // Act
    const view = await nodeView(customer, node.nodeId);

    // Assess
    expect(view.body.identity_public_key_ed25519).toBe(identityOf(node.identitySecretKey));
    const [key] = view.body.transport_keys;
    expect(verifiesNodeKeyStatement(identityOf(node.identitySecretKey), statementOf(node.nodeId, key), key.node_signature_ed25519)).toBe(
      true,
    );
    expect(JSON.parse(key.signed_record).identity_public_key_ed25519).toBe(identityOf(node.identitySecretKey));
  });

  it('takes a new identity key only with new signatures, and then re-signs every record naming it', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    const node = await newNode();
    const { current } = keysOf(node);
    const rotated: TestNode = { ...node, identitySecretKey: ed25519.utils.randomSecretKey() };
    const before = await nodeView(customer, node.nodeId);

    // Act: the new identity key with the old key's signature, then with the new one's.
    const stale = await enroll(node.nodeId, [signedTransportKey(node, current)], {
      identity_public_key_ed25519: identityOf(rotated.identitySecretKey),
    });
    const unchanged = await nodeView(customer, node.nodeId);
    const fresh = await enroll(node.nodeId, [signedTransportKey(rotated, current)], {
      identity_public_key_ed25519: identityOf(rotated.identitySecretKey),
    });

    // Assess: refused without a trace; then the record is new, names the new key, and only it signs node calls.
    expect(stale.status).toBe(400);
    expect(stale.body.error.detail).toMatch(/^transport_keys\[0\]\.node_signature_ed25519 does not verify/);
    expect(unchanged).toEqual(before);
    expect(fresh.status).toBe(200);
    expect(fresh.body.identity_public_key_ed25519).toBe(identityOf(rotated.identitySecretKey));
    const [record] = fresh.body.transport_keys;
    expect(record.signed_record).not.toBe(before.body.transport_keys[0].signed_record);
    expect(JSON.parse(record.signed_record).identity_public_key_ed25519).toBe(identityOf(rotated.identitySecretKey));
    expect(
      verifiesNodeKeyStatement(identityOf(rotated.identitySecretKey), statementOf(node.nodeId, current), record.node_signature_ed25519),
    ).toBe(true);
    expect((await nodeCall(node, 'pull', { wait_seconds: 0 })).status).toBe(401);
    expect((await nodeCall(rotated, 'pull', { wait_seconds: 0 })).status).toBe(200);
  });
});

describe('PUT /v1/admin/nodes/{node_id} of a node without an identity key', () => {
  it('stores its keys unsigned, publishes no identity key, and the node cannot call the node API', async () => {
    // Prepare
    const customer = await newCustomer(0n);
    const nodeId = uniqueId('node');
    const transport = newTransportKey();
    const key = { key_id: uniqueId('tk'), public_key_x25519: encodeBase64url(transport.publicKey) };
    const node: TestNode = {
      nodeId,
      keyId: key.key_id,
      modelId: 'llama-3.1-8b-instruct',
      priceWei: 1000n,
      ...transport,
      identitySecretKey: ed25519.utils.randomSecretKey(),
    };

    // Act
    const enrolled = await enroll(nodeId, [key]);
    const view = await nodeView(customer, nodeId);
    const pulled = await nodeCall(node, 'pull', { wait_seconds: 0 });

    // Assess
    expect(enrolled.status).toBe(200);
    expect(view.body.identity_public_key_ed25519).toBeNull();
    expect(view.body.transport_keys.map((published: { node_signature_ed25519: unknown }) => published.node_signature_ed25519)).toEqual([
      null,
    ]);
    expect(JSON.parse(view.body.transport_keys[0].signed_record)).not.toHaveProperty('identity_public_key_ed25519');
    expect(pulled.status).toBe(401);
    expect(pulled.body.error.code).toBe('invalid_signature');
  });

  it('refuses a node signature sent without an identity key, and stores nothing', async () => {
    // Prepare
    const nodeId = uniqueId('node');
    const signer = { nodeId, identitySecretKey: ed25519.utils.randomSecretKey() };
    const key = { key_id: uniqueId('tk'), public_key_x25519: encodeBase64url(newTransportKey().publicKey) };

    // Act
    const answer = await enroll(nodeId, [signedTransportKey(signer, key)]);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.detail).toMatch(/^transport_keys\[0\]\.node_signature_ed25519 is sent for a node without an identity key/);
    expect(await store.getNode(nodeId)).toBeUndefined();
  });
});
