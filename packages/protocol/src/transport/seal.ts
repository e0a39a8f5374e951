/**
 * Sealing and opening `b3iq-private-transport-v1` envelopes: X25519 (RFC 7748), HKDF-SHA256
 * (RFC 5869) and ChaCha20-Poly1305 (RFC 8439). Used by the SDK and the node; never by the
 * control plane, which holds no key that opens an envelope.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { decodeCheckedBase64url, encodeBase64url } from '../encoding/base64url.js';
import { isId } from '../encoding/ids.js';
import {
  checkEnvelope,
  type Direction,
  type Envelope,
  type EnvelopeBinding,
  MAX_CIPHERTEXT_BYTES,
  TRANSPORT_ALGORITHM,
  TRANSPORT_VERSION,
  transportAad,
} from './envelope.js';
import { isLowOrderPoint } from './low-order.js';

const TAG_BYTES = 16;

interface SealOptions {
  /** Fixed only by known-answer tests; otherwise fresh for every envelope. */
  ephemeralSecretKey?: Uint8Array;
  nonce?: Uint8Array;
}

/** HKDF over X25519(secretKey, peerPublicKey), salted with the sender's then the recipient's public key. */
function deriveKey(
  direction: Direction,
  secretKey: Uint8Array,
  peerPublicKey: Uint8Array,
  salt: { sender: Uint8Array; recipient: Uint8Array },
): Uint8Array {
  if (isLowOrderPoint(peerPublicKey)) throw new Error('low-order X25519 public key');
  const shared = x25519.getSharedSecret(secretKey, peerPublicKey);
  if (shared.every((byte) => byte === 0)) throw new Error('X25519 shared secret is all-zero');
  const saltBytes = new Uint8Array(64);
  saltBytes.set(salt.sender, 0);
  saltBytes.set(salt.recipient, 32);
  return hkdf(sha256, shared, saltBytes, new TextEncoder().encode(`${TRANSPORT_VERSION} ${direction}`), 32);
}

/** Seals `plaintext` to `recipientPublicKey`; returns the envelope and the sender's ephemeral secret. */
function sealEnvelope(
  direction: Direction,
  recipientPublicKey: Uint8Array,
  binding: EnvelopeBinding,
  plaintext: Uint8Array,
  options: SealOptions = {},
): { envelope: Envelope; ephemeralSecretKey: Uint8Array } {
  // Refuse here what every opener would refuse later.
  if (plaintext.length + TAG_BYTES > MAX_CIPHERTEXT_BYTES) throw new RangeError('plaintext is larger than 512 KiB less the 16-byte tag');
  for (const kind of ['key_id', 'node_id', 'model_id', 'job_id'] as const) {
    const value = binding[kind];
    if ((value !== undefined || kind !== 'job_id') && !isId(kind, value)) throw new TypeError(`${kind} is not a valid ${kind}`);
  }
  const ephemeralSecretKey = options.ephemeralSecretKey ?? x25519.utils.randomSecretKey();
  const ephemeralPublicKey = x25519.getPublicKey(ephemeralSecretKey);
  const nonce = options.nonce ?? randomBytes(12);
  const key = deriveKey(direction, ephemeralSecretKey, recipientPublicKey, {
    sender: ephemeralPublicKey,
    recipient: recipientPublicKey,
  });
  const aad = transportAad(direction, binding);
  const ciphertext = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  return {
    ephemeralSecretKey,
    envelope: {
      version: TRANSPORT_VERSION,
      key_id: binding.key_id,
      algorithm: TRANSPORT_ALGORITHM,
      client_public_key_x25519: encodeBase64url(ephemeralPublicKey),
      nonce: encodeBase64url(nonce),
      ciphertext: encodeBase64url(ciphertext),
      aad_hash: encodeBase64url(sha256(aad)),
    },
  };
}

/** Opens an envelope with the recipient's secret key; throws if it is malformed or does not authenticate. */
function openEnvelope(
  direction: Direction,
  recipientSecretKey: Uint8Array,
  envelope: unknown,
  binding: Omit<EnvelopeBinding, 'key_id'> & { key_id?: string },
): Uint8Array {
  const check = checkEnvelope(envelope, direction, binding);
  if (!check.ok) throw new Error(`invalid envelope: ${check.reason}`);
  const sealed = check.envelope;
  if (binding.key_id !== undefined && sealed.key_id !== binding.key_id) throw new Error('envelope key_id does not match');
  const senderPublic = decodeCheckedBase64url(sealed.client_public_key_x25519, 'client_public_key_x25519');
  const recipientPublic = x25519.getPublicKey(recipientSecretKey);
  const key = deriveKey(direction, recipientSecretKey, senderPublic, { sender: senderPublic, recipient: recipientPublic });
  const aad = transportAad(direction, { ...binding, key_id: sealed.key_id });
  return chacha20poly1305(key, decodeCheckedBase64url(sealed.nonce, 'nonce'), aad).decrypt(
    decodeCheckedBase64url(sealed.ciphertext, 'ciphertext'),
  );
}

export type { SealOptions };
export { openEnvelope, sealEnvelope };
