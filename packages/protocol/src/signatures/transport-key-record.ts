/**
 * Signed transport-key records: the statement "this X25519 key belongs to this node", signed at
 * enrollment by the stack's KMS key (ECDSA P-256, SHA-256, DER). Anyone holding the directory's
 * public key can verify a record without trusting the storage it came from; the control plane
 * verifies locally and remembers what it verified, so the job path makes no KMS call and, when
 * warm, no asymmetric operation.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { decodeBase64url } from '../encoding/base64url.js';

const KEY_RECORD_TYPE = 'b3iq-node-transport-key-v1';
const MAX_REMEMBERED = 10_000;

interface TransportKeyRecord {
  type: typeof KEY_RECORD_TYPE;
  node_id: string;
  key_id: string;
  public_key_x25519: string;
  issued_at: string;
  /** The end of the key's validity window; absent: until the key is removed from the node. */
  valid_until?: string;
  /** The node's identity key, which signed its own statement about this key; absent: the node had none. */
  identity_public_key_ed25519?: string;
}

/** A published transport key: the record as signed, and its signature (base64url DER). */
interface SignedTransportKey {
  key_id: string;
  public_key_x25519: string;
  signed_record: string;
  signature: string;
  /** When present, it must be the record's own window end (null: the record has none). */
  valid_until?: string | null;
}

/** The exact record text that is signed and published (field order fixed). */
function transportKeyRecord(
  nodeId: string,
  keyId: string,
  publicKey: string,
  issuedAt: string,
  validUntil: string | null,
  identityPublicKey: string | null = null,
): string {
  const record: TransportKeyRecord = {
    type: KEY_RECORD_TYPE,
    node_id: nodeId,
    key_id: keyId,
    public_key_x25519: publicKey,
    issued_at: issuedAt,
    ...(validUntil === null ? {} : { valid_until: validUntil }),
    ...(identityPublicKey === null ? {} : { identity_public_key_ed25519: identityPublicKey }),
  };
  return JSON.stringify(record);
}

function recordStates(key: SignedTransportKey, nodeId: string): boolean {
  try {
    const record = JSON.parse(key.signed_record) as Partial<TransportKeyRecord>;
    return (
      record.type === KEY_RECORD_TYPE &&
      record.node_id === nodeId &&
      record.key_id === key.key_id &&
      record.public_key_x25519 === key.public_key_x25519 &&
      (key.valid_until === undefined || (record.valid_until ?? null) === key.valid_until)
    );
  } catch {
    return false;
  }
}

/** Verifies transport-key records against the directory key, remembering every record it verified. */
class KeyDirectory {
  readonly #publicKey: KeyObject;
  readonly #verified = new Set<string>();

  constructor(publicKeySpki: Uint8Array) {
    this.#publicKey = createPublicKey({ key: Buffer.from(publicKeySpki), format: 'der', type: 'spki' });
  }

  /** The directory key as published: base64url DER SubjectPublicKeyInfo. */
  get publicKeySpki(): string {
    return this.#publicKey.export({ format: 'der', type: 'spki' }).toString('base64url');
  }

  /** True when `key` is a record of `nodeId` that states its own key id and public key, signed by this directory. */
  verifies(key: SignedTransportKey, nodeId: string): boolean {
    const memo = `${nodeId}\n${key.signed_record}\n${key.signature}`;
    if (this.#verified.has(memo)) return recordStates(key, nodeId);
    const signature = decodeBase64url(key.signature);
    if (signature === undefined || !recordStates(key, nodeId)) return false;
    const valid = verify('sha256', Buffer.from(key.signed_record, 'utf8'), { key: this.#publicKey, dsaEncoding: 'der' }, signature);
    if (valid) {
      if (this.#verified.size >= MAX_REMEMBERED) this.#verified.clear();
      this.#verified.add(memo);
    }
    return valid;
  }
}

export type { SignedTransportKey, TransportKeyRecord };
export { KEY_RECORD_TYPE, KeyDirectory, transportKeyRecord };
