/**
 * An independent `b3iq-private-transport-v1` implementation on `node:crypto` (OpenSSL) only, to
 * cross-check the noble one in `packages/protocol/src/transport`. It shares no code with that module: base64url,
 * the AAD, the key derivation and the AEAD are all written again here from the spec.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

type RefDirection = 'request' | 'response';

interface RefBinding {
  key_id: string;
  node_id: string;
  model_id: string;
  job_id?: string;
}

interface RefEnvelope {
  version: string;
  key_id: string;
  algorithm: string;
  client_public_key_x25519: string;
  nonce: string;
  ciphertext: string;
  aad_hash?: string;
}

const VERSION = 'b3iq-private-transport-v1';
const ALGORITHM = 'x25519-hkdf-sha256-chacha20poly1305';
const TAG_BYTES = 16;
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

// --- base64url (RFC 4648 §5, no padding), written out by hand ---------------------------------

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64U_CODES = Uint8Array.from(B64U, (char) => char.charCodeAt(0));
/** Character code → 6-bit value, or -1 outside the alphabet. */
const B64U_VALUES = new Int16Array(256).fill(-1);
B64U_CODES.forEach((code, value) => {
  B64U_VALUES[code] = value;
});
const ASCII = new TextDecoder('ascii');

function refEncodeBase64url(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  let at = 0;
  let index = 0;
  for (; index + 3 <= bytes.length; index += 3) {
    const word = (bytes[index]! << 16) | (bytes[index + 1]! << 8) | bytes[index + 2]!;
    out[at++] = B64U_CODES[(word >>> 18) & 63]!;
    out[at++] = B64U_CODES[(word >>> 12) & 63]!;
    out[at++] = B64U_CODES[(word >>> 6) & 63]!;
    out[at++] = B64U_CODES[word & 63]!;
  }
  const rest = bytes.length - index;
  if (rest > 0) {
    const word = (bytes[index]! << 16) | (rest === 2 ? bytes[index + 1]! << 8 : 0);
    out[at++] = B64U_CODES[(word >>> 18) & 63]!;
    out[at++] = B64U_CODES[(word >>> 12) & 63]!;
    if (rest === 2) out[at++] = B64U_CODES[(word >>> 6) & 63]!;
  }
  return ASCII.decode(out.subarray(0, at));
}

/** Strict decoder: no padding, only the URL-safe alphabet, zero trailing bits. Throws otherwise. */
function refDecodeBase64url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new Error('base64url: impossible length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const value = code < 256 ? B64U_VALUES[code]! : -1;
    if (value < 0) throw new Error('base64url: character outside the alphabet');
    buffer = ((buffer << 6) | value) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) throw new Error('base64url: non-zero trailing bits');
  return out;
}

// --- primitives through OpenSSL ---------------------------------------------------------------

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  if (secretKey.length !== 32) throw new Error('X25519 secret key must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secretKey]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new Error('X25519 public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

function refPublicKey(secretKey: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyObject(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** The AAD: UTF-8 of the JSON array as `JSON.stringify` writes it. */
function refAad(direction: RefDirection, binding: RefBinding): Uint8Array {
  const fields = [VERSION, direction, binding.key_id, binding.node_id, binding.model_id];
  if (direction === 'response') {
    if (binding.job_id === undefined) throw new Error('a response AAD needs job_id');
    fields.push(binding.job_id);
  }
  return new Uint8Array(Buffer.from(JSON.stringify(fields), 'utf8'));
}

function refDeriveKey(
  direction: RefDirection,
  secretKey: Uint8Array,
  peerPublicKey: Uint8Array,
  senderPublicKey: Uint8Array,
  recipientPublicKey: Uint8Array,
): Buffer {
  // OpenSSL itself refuses an all-zero X25519 result; the explicit check keeps that independent of the version.
  const shared = diffieHellman({ privateKey: privateKeyObject(secretKey), publicKey: publicKeyObject(peerPublicKey) });
  if (shared.every((byte) => byte === 0)) throw new Error('X25519 shared secret is all-zero');
  const salt = Buffer.concat([senderPublicKey, recipientPublicKey]);
  const info = Buffer.from(`${VERSION} ${direction}`, 'utf8');
  return Buffer.from(hkdfSync('sha256', shared, salt, info, 32));
}

interface RefSealOptions {
  ephemeralSecretKey?: Uint8Array;
  nonce?: Uint8Array;
}

function refSeal(
  direction: RefDirection,
  recipientPublicKey: Uint8Array,
  binding: RefBinding,
  plaintext: Uint8Array,
  options: RefSealOptions = {},
): { envelope: Required<RefEnvelope>; ephemeralSecretKey: Uint8Array } {
  const ephemeralSecretKey = options.ephemeralSecretKey ?? new Uint8Array(randomBytes(32));
  const nonce = options.nonce ?? new Uint8Array(randomBytes(12));
  if (nonce.length !== 12) throw new Error('nonce must be 12 bytes');
  const ephemeralPublicKey = refPublicKey(ephemeralSecretKey);
  const key = refDeriveKey(direction, ephemeralSecretKey, recipientPublicKey, ephemeralPublicKey, recipientPublicKey);
  const aad = refAad(direction, binding);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return {
    ephemeralSecretKey,
    envelope: {
      version: VERSION,
      key_id: binding.key_id,
      algorithm: ALGORITHM,
      client_public_key_x25519: refEncodeBase64url(ephemeralPublicKey),
      nonce: refEncodeBase64url(nonce),
      ciphertext: refEncodeBase64url(ciphertext),
      aad_hash: refEncodeBase64url(sha256(aad)),
    },
  };
}

/** Opens an envelope; `binding.key_id` defaults to the envelope's. Throws on any mismatch. */
function refOpen(
  direction: RefDirection,
  recipientSecretKey: Uint8Array,
  envelope: RefEnvelope,
  binding: Omit<RefBinding, 'key_id'> & { key_id?: string },
): Uint8Array {
  if (envelope.version !== VERSION) throw new Error('wrong version');
  if (envelope.algorithm !== ALGORITHM) throw new Error('wrong algorithm');
  const keyId = binding.key_id ?? envelope.key_id;
  if (keyId !== envelope.key_id) throw new Error('key_id does not match');
  const aad = refAad(direction, { ...binding, key_id: keyId });
  if (envelope.aad_hash !== undefined && envelope.aad_hash !== refEncodeBase64url(sha256(aad))) {
    throw new Error('aad_hash does not match');
  }
  const senderPublicKey = refDecodeBase64url(envelope.client_public_key_x25519);
  const nonce = refDecodeBase64url(envelope.nonce);
  const sealed = refDecodeBase64url(envelope.ciphertext);
  if (nonce.length !== 12) throw new Error('nonce must be 12 bytes');
  if (sealed.length < TAG_BYTES) throw new Error('ciphertext shorter than the tag');
  const recipientPublicKey = refPublicKey(recipientSecretKey);
  const key = refDeriveKey(direction, recipientSecretKey, senderPublicKey, senderPublicKey, recipientPublicKey);
  const body = sealed.subarray(0, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad, { plaintextLength: body.length });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
}

export type { RefBinding, RefDirection, RefEnvelope, RefSealOptions };
export { refAad, refDecodeBase64url, refEncodeBase64url, refOpen, refPublicKey, refSeal };
