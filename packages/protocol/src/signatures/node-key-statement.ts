/**
 * `b3iq-node-key-statement-v1`: the node's own statement that a transport key is its key, signed
 * with its Ed25519 identity key. The directory (KMS) signature says the control plane enrolled
 * the key; this one says the node holds it, so a control plane that swaps in a key of its own
 * cannot make a client seal to it without also holding the node's identity key.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.js';

const NODE_KEY_STATEMENT_TYPE = 'b3iq-node-key-statement-v1';

/** What the node states about one of its transport keys. */
interface NodeKeyClaim {
  node_id: string;
  key_id: string;
  public_key_x25519: string;
  /** The end of the key's validity window; null: until the key is removed from the node. */
  valid_until: string | null;
}

/** The exact text signed: compact JSON, fields in the contract's order. */
function nodeKeyStatement(claim: NodeKeyClaim): string {
  return JSON.stringify({
    type: NODE_KEY_STATEMENT_TYPE,
    node_id: claim.node_id,
    key_id: claim.key_id,
    public_key_x25519: claim.public_key_x25519,
    valid_until: claim.valid_until,
  });
}

/** The node's signature of its statement about `claim`: base64url Ed25519. */
function signNodeKeyStatement(identitySecretKey: Uint8Array, claim: NodeKeyClaim): string {
  return encodeBase64url(ed25519.sign(new TextEncoder().encode(nodeKeyStatement(claim)), identitySecretKey));
}

/** True when `signature` is the identity key's signature of its statement about `claim` (strict RFC 8032 rules). */
function verifiesNodeKeyStatement(identityPublicKey: string, claim: NodeKeyClaim, signature: unknown): boolean {
  const publicKey = decodeBase64url(identityPublicKey);
  const signatureBytes = typeof signature === 'string' ? decodeBase64url(signature) : undefined;
  if (publicKey?.length !== 32 || signatureBytes?.length !== 64) return false;
  try {
    return ed25519.verify(signatureBytes, new TextEncoder().encode(nodeKeyStatement(claim)), publicKey, { zip215: false });
  } catch {
    return false;
  }
}

export type { NodeKeyClaim };
export { NODE_KEY_STATEMENT_TYPE, nodeKeyStatement, signNodeKeyStatement, verifiesNodeKeyStatement };
