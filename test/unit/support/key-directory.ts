/** A P-256 directory key for tests, and transport keys signed with it the way the KMS key signs them. */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { encodeBase64url, KeyDirectory, type SignedTransportKey, transportKeyRecord } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';

interface DirectoryKey {
  privateKey: KeyObject;
  spki: Uint8Array;
  directory: KeyDirectory;
}

function directoryKey(): DirectoryKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  return { privateKey, spki, directory: new KeyDirectory(spki) };
}

function signRecord(privateKey: KeyObject, record: string): string {
  return encodeBase64url(sign('sha256', Buffer.from(record, 'utf8'), { key: privateKey, dsaEncoding: 'der' }));
}

function x25519PublicKey(): string {
  return encodeBase64url(x25519.getPublicKey(x25519.utils.randomSecretKey()));
}

/** A transport key as enrollment stores it, signed by `privateKey`; `validUntil` ends its window (default: none). */
function signedKey(
  privateKey: KeyObject,
  nodeId: string,
  keyId: string,
  publicKey = x25519PublicKey(),
  validUntil: string | null = null,
): SignedTransportKey & { issued_at: string; valid_until: string | null } {
  const issued_at = '2026-01-01T00:00:00Z';
  const signed_record = transportKeyRecord(nodeId, keyId, publicKey, issued_at, validUntil);
  return {
    key_id: keyId,
    public_key_x25519: publicKey,
    signed_record,
    signature: signRecord(privateKey, signed_record),
    issued_at,
    valid_until: validUntil,
  };
}

export type { DirectoryKey };
export { directoryKey, signedKey, signRecord, x25519PublicKey };
