/** A node view as the API serves it for an honest node: each key signed by the directory (KMS) and by the node's identity key. */
import type { KeyObject } from 'node:crypto';
import { encodeBase64url, type NodeView, signNodeKeyStatement, transportKeyRecord } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { signRecord, x25519PublicKey } from './key-directory.js';

interface TestIdentity {
  secretKey: Uint8Array;
  publicKey: string;
}

function identity(): TestIdentity {
  const secretKey = ed25519.utils.randomSecretKey();
  return { secretKey, publicKey: encodeBase64url(ed25519.getPublicKey(secretKey)) };
}

type PublishedKey = NodeView['transport_keys'][number];

/** One published key of `nodeId`: its record names `identity` and the directory signed it; the node signed its statement. */
function publishedKey(
  directoryPrivateKey: KeyObject,
  nodeId: string,
  node: TestIdentity,
  keyId: string,
  options: { validUntil?: string | null; issuedAt?: string; publicKey?: string } = {},
): PublishedKey {
  const publicKey = options.publicKey ?? x25519PublicKey();
  const validUntil = options.validUntil ?? null;
  const record = transportKeyRecord(nodeId, keyId, publicKey, options.issuedAt ?? '2026-01-01T00:00:00Z', validUntil, node.publicKey);
  return {
    key_id: keyId,
    public_key_x25519: publicKey,
    signed_record: record,
    signature: signRecord(directoryPrivateKey, record),
    valid_until: validUntil,
    node_signature_ed25519: signNodeKeyStatement(node.secretKey, {
      node_id: nodeId,
      key_id: keyId,
      public_key_x25519: publicKey,
      valid_until: validUntil,
    }),
  };
}

function nodeView(nodeId: string, node: TestIdentity | null, keys: PublishedKey[]): NodeView {
  return {
    node_id: nodeId,
    status: 'active',
    models: [{ model_id: 'm-1', price_wei: '5' }],
    transport_keys: keys,
    identity_public_key_ed25519: node?.publicKey ?? null,
    last_seen_at: null,
  };
}

export type { PublishedKey, TestIdentity };
export { identity, nodeView, publishedKey };
