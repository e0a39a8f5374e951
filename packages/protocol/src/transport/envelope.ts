/**
 * `b3iq-private-transport-v1` envelope rules shared by the control plane, the SDK and the node:
 * the closed field set, canonical encodings, sizes, the low-order key check and the AAD.
 * The control plane runs only these checks; it never holds a key that opens an envelope.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { decodeBase64url, encodeBase64url } from '../encoding/base64url.js';
import { isId } from '../encoding/ids.js';
import { CIPHERTEXT_BYTES, ENVELOPE, TRANSPORT_ALGORITHM, TRANSPORT_VERSION } from '../schemas/envelope.js';
import { isLowOrderPoint } from './low-order.js';

const MAX_CIPHERTEXT_BYTES = CIPHERTEXT_BYTES.max;
const MIN_CIPHERTEXT_BYTES = CIPHERTEXT_BYTES.min; // the Poly1305 tag alone

// The field set, its order and the byte sizes come from the schema the OpenAPI document shows.
const REQUIRED_FIELDS = ENVELOPE.required;
const ENVELOPE_FIELDS = new Set<string>(Object.keys(ENVELOPE.properties));
const { client_public_key_x25519: PUBLIC_KEY, nonce: NONCE, aad_hash: AAD_HASH } = ENVELOPE.properties;

type Direction = 'request' | 'response';

interface Envelope {
  version: typeof TRANSPORT_VERSION;
  key_id: string;
  algorithm: typeof TRANSPORT_ALGORITHM;
  client_public_key_x25519: string;
  nonce: string;
  ciphertext: string;
  aad_hash?: string;
}

/** What an envelope is bound to through its AAD. `job_id` only binds a response. */
interface EnvelopeBinding {
  key_id: string;
  node_id: string;
  model_id: string;
  job_id?: string;
}

type EnvelopeCheck = { ok: true; envelope: Envelope } | { ok: false; tooLarge: boolean; reason: string };

/** The AAD's exact bytes: the UTF-8 of a JSON array as `JSON.stringify` writes it. */
function transportAad(direction: Direction, binding: EnvelopeBinding): Uint8Array {
  const fields: string[] = [TRANSPORT_VERSION, direction, binding.key_id, binding.node_id, binding.model_id];
  if (direction === 'response') {
    if (binding.job_id === undefined) throw new TypeError('a response AAD needs job_id');
    fields.push(binding.job_id);
  }
  return new TextEncoder().encode(JSON.stringify(fields));
}

function transportAadHash(direction: Direction, binding: EnvelopeBinding): string {
  return encodeBase64url(sha256(transportAad(direction, binding)));
}

function invalid(reason: string): EnvelopeCheck {
  return { ok: false, tooLarge: false, reason };
}

function decodeField(value: string, name: string, check: (bytes: Uint8Array) => string | undefined): string | undefined {
  const bytes = decodeBase64url(value);
  if (bytes === undefined) return `${name} is not canonical base64url without padding`;
  return check(bytes);
}

/**
 * Checks an envelope against the spec and, through `aad_hash` when present, against what it is
 * bound to. `binding.key_id` is taken from the envelope itself. Returns the first failure.
 */
function checkEnvelope(value: unknown, direction: Direction, binding: Omit<EnvelopeBinding, 'key_id'>): EnvelopeCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('encrypted_request must be a JSON object');
  }
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).find((name) => !ENVELOPE_FIELDS.has(name));
  if (unknown !== undefined) return invalid(`unknown envelope field "${unknown}"`);
  const missing = REQUIRED_FIELDS.find((name) => fields[name] === undefined);
  if (missing !== undefined) return invalid(`envelope field "${missing}" is required`);
  const notString = [...ENVELOPE_FIELDS].find((name) => name in fields && typeof fields[name] !== 'string');
  if (notString !== undefined) return invalid(`envelope field "${notString}" must be a string`);
  const envelope = fields as unknown as Envelope;
  if (envelope.version !== TRANSPORT_VERSION) return invalid(`version must be "${TRANSPORT_VERSION}"`);
  if (envelope.algorithm !== TRANSPORT_ALGORITHM) return invalid(`algorithm must be "${TRANSPORT_ALGORITHM}"`);
  if (!isId('key_id', envelope.key_id)) return invalid('key_id is not a valid key id');

  const keyProblem = decodeField(envelope.client_public_key_x25519, 'client_public_key_x25519', (bytes) => {
    if (bytes.length !== PUBLIC_KEY.bytes) return `client_public_key_x25519 must be ${PUBLIC_KEY.bytes} bytes`;
    if (isLowOrderPoint(bytes)) return 'client_public_key_x25519 is a low-order point';
    return undefined;
  });
  if (keyProblem) return invalid(keyProblem);

  const nonceProblem = decodeField(envelope.nonce, 'nonce', (bytes) =>
    bytes.length === NONCE.bytes ? undefined : `nonce must be ${NONCE.bytes} bytes`,
  );
  if (nonceProblem) return invalid(nonceProblem);

  const ciphertext = decodeBase64url(envelope.ciphertext);
  if (ciphertext === undefined) return invalid('ciphertext is not canonical base64url without padding');
  if (ciphertext.length > MAX_CIPHERTEXT_BYTES) {
    return { ok: false, tooLarge: true, reason: 'ciphertext is larger than 512 KiB' };
  }
  if (ciphertext.length < MIN_CIPHERTEXT_BYTES) return invalid('ciphertext must be at least 16 bytes');

  if (envelope.aad_hash !== undefined) {
    const hashProblem = decodeField(envelope.aad_hash, 'aad_hash', (bytes) =>
      bytes.length === AAD_HASH.bytes ? undefined : `aad_hash must be ${AAD_HASH.bytes} bytes`,
    );
    if (hashProblem) return invalid(hashProblem);
    if (envelope.aad_hash !== transportAadHash(direction, { ...binding, key_id: envelope.key_id })) {
      return invalid(`aad_hash does not match the ${direction} AAD for this key, node and model`);
    }
  }
  return { ok: true, envelope };
}

/**
 * Lowercase hex SHA-256 of an envelope as JSON with its fields in the spec's order: how receipts
 * refer to the request and the response they bind.
 */
function envelopeSha256(envelope: Envelope): string {
  const ordered: Record<string, string> = {};
  for (const name of [...REQUIRED_FIELDS, 'aad_hash'] as const) {
    const value = envelope[name];
    if (value !== undefined) ordered[name] = value;
  }
  return bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(ordered))));
}

export type { Direction, Envelope, EnvelopeBinding, EnvelopeCheck };
export { checkEnvelope, envelopeSha256, MAX_CIPHERTEXT_BYTES, TRANSPORT_ALGORITHM, TRANSPORT_VERSION, transportAad, transportAadHash };
