/**
 * Transport-key records are signed by the stack's KMS key at enrollment and verified locally on
 * the job path: a record that no longer verifies is never used.
 */
import { createPublicKey, verify } from 'node:crypto';
import { encodeBase64url } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { footprint, newCustomer, newNode, newTransportKey, sealedJob, signedTransportKey, store, type TestNode } from './support/world.js';

/** Enrolls `keys` (signed by the node's identity key, which the body omits and so keeps). */
const enroll = (node: TestNode, keys: { key_id: string; public_key_x25519: string }[]) =>
  callApi('PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: node.nodeId },
    headers: adminHeaders(),
    json: {
      status: 'active',
      models: [{ model_id: node.modelId, price_wei: node.priceWei.toString() }],
      transport_keys: keys.map((key) => signedTransportKey(node, key)),
    },
  });

describe('transport-key records', () => {
  it('publishes records that verify against the key directory', async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode();

    // Act
    const [directory, published] = await Promise.all([
      callApi('GET', '/v1/private-inference/key-directory', { headers: customer.headers }),
      callApi('GET', '/v1/private-inference/nodes/{node_id}', { headers: customer.headers, params: { node_id: node.nodeId } }),
    ]);

    // Assess
    expect(directory.body.algorithm).toBe('ECDSA_SHA_256');
    const publicKey = createPublicKey({ key: Buffer.from(directory.body.public_key_spki, 'base64url'), format: 'der', type: 'spki' });
    const [key] = published.body.transport_keys;
    expect(JSON.parse(key.signed_record)).toEqual({
      type: 'b3iq-node-transport-key-v1',
      node_id: node.nodeId,
      key_id: node.keyId,
      public_key_x25519: encodeBase64url(node.publicKey),
      issued_at: expect.any(String),
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
    });
    expect(verify('sha256', Buffer.from(key.signed_record), publicKey, Buffer.from(key.signature, 'base64url'))).toBe(true);
  });

  it.each([
    { case: 'a record whose public key was swapped', attribute: 'public_key_x25519' },
    { case: 'a record whose signature was altered', attribute: 'signature' },
  ])('refuses a job sealed to $case, reserving nothing', async ({ attribute }) => {
    // Prepare: someone with write access to the table tampers with the node's key.
    const customer = await newCustomer();
    const node = await newNode();
    const stored = await store.getNode(node.nodeId);
    const key = stored!.node.transport_keys[0]!;
    const forged = attribute === 'signature' ? `${key.signature.slice(0, -4)}AAAA` : encodeBase64url(newTransportKey().publicKey);
    await store.putNode({ ...stored!, node: { ...stored!.node, transport_keys: [{ ...key, [attribute]: forged }] } }, stored!.revision);
    const before = await footprint(customer, node);

    // Act
    const answer = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node) });

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('stale_transport_key');
    expect(await footprint(customer, node)).toEqual(before);
  });

  it('keeps an unchanged key’s record and signs only the new key on rotation', async () => {
    // Prepare
    const node = await newNode();
    const [before] = (await store.getNode(node.nodeId))!.node.transport_keys;
    const next = newTransportKey();

    // Act
    const rotated = await enroll(node, [
      { key_id: node.keyId, public_key_x25519: encodeBase64url(node.publicKey) },
      { key_id: 'tk-next', public_key_x25519: encodeBase64url(next.publicKey) },
    ]);

    // Assess
    expect(rotated.status).toBe(200);
    expect(rotated.body.transport_keys.map((key: { key_id: string }) => key.key_id)).toEqual([node.keyId, 'tk-next']);
    const [kept, added] = (await store.getNode(node.nodeId))!.node.transport_keys;
    expect(kept).toEqual(before);
    expect(JSON.parse(added!.signed_record).public_key_x25519).toBe(encodeBase64url(next.publicKey));
  });

  it('refuses jobs sealed to a key that rotation removed', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const next = newTransportKey();
    await enroll(node, [{ key_id: 'tk-next', public_key_x25519: encodeBase64url(next.publicKey) }]);

    const answer = await callApi('POST', '/v1/private-inference/jobs', { headers: customer.headers, json: sealedJob(node) });

    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'stale_transport_key', detail: expect.stringContaining('tk-next') });
  });

  it('refuses a known key id sent with another public key (409 transport_key_conflict)', async () => {
    const node = await newNode();

    const answer = await enroll(node, [{ key_id: node.keyId, public_key_x25519: encodeBase64url(newTransportKey().publicKey) }]);

    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('transport_key_conflict');
  });
});
