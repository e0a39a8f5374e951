import { readFileSync } from 'node:fs';
import { checkEnvelope, decodeBase64url, ID_PATTERNS, openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { SPEC_META, SPEC_VECTORS, type VectorItem as Vector } from '../../vectors/spec.js';

const FILE = new URL('../../vectors/private-transport-v1.json', import.meta.url);
const VECTORS = JSON.parse(readFileSync(FILE, 'utf8')) as Vector[];
const ITEM_FIELDS = ['direction', 'recipient_secret_key', 'ephemeral_secret_key', 'nonce', 'meta', 'plaintext_b64u', 'envelope'];

/** The two envelopes of `private-transport-v1.md`, with what opens them. */
const SPEC_CASES = SPEC_VECTORS.map((spec) => ({ case: `spec ${spec.direction}`, ...spec }));

function bytes(text: string): Uint8Array {
  const decoded = decodeBase64url(text);
  if (decoded === undefined) throw new Error(`not canonical base64url: ${text.slice(0, 40)}`);
  return decoded;
}

function plaintextOf(vector: Vector): Uint8Array {
  return bytes(vector.plaintext_b64u);
}

function bindingFor(vector: Vector) {
  const { key_id, node_id, model_id } = vector.meta;
  return vector.direction === 'request' ? { key_id, node_id, model_id } : vector.meta;
}

function isNonAsciiText(plaintext: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    return false;
  }
  return plaintext.some((byte) => byte >= 0x80);
}

const CASES = VECTORS.map((vector, index) => ({
  case: `#${index} ${vector.direction} ${vector.meta.job_id.slice(0, 24)}, ${plaintextOf(vector).length} B`,
  vector,
}));

describe('private-transport-v1.json', () => {
  it('holds at least 8 vectors in both directions with the required kinds (coverage)', () => {
    // Prepare
    const plaintexts = VECTORS.map(plaintextOf);
    const responseJobIds = new Set(VECTORS.filter((vector) => vector.direction === 'response').map((vector) => vector.meta.job_id));

    // Assess
    expect(VECTORS.length).toBeGreaterThanOrEqual(8);
    expect(new Set(VECTORS.map((vector) => vector.direction))).toEqual(new Set(['request', 'response']));
    expect(VECTORS.some((vector, index) => vector.direction === 'request' && plaintexts[index]!.length === 0)).toBe(true);
    expect(VECTORS.some((vector, index) => vector.direction === 'response' && plaintexts[index]!.length === 0)).toBe(true);
    expect(plaintexts.some((plaintext) => plaintext.length >= 65536)).toBe(true);
    expect(plaintexts.some(isNonAsciiText)).toBe(true);
    expect(VECTORS.some((vector) => vector.meta.model_id.includes('/') && vector.meta.model_id.includes(':'))).toBe(true);
    expect(responseJobIds.size).toBeGreaterThanOrEqual(3);
  });

  it.each(SPEC_CASES)('contains the spec vector verbatim ($case)', (spec) => {
    // Act
    const found = VECTORS.filter((vector) => JSON.stringify(vector.envelope) === JSON.stringify(spec.envelope));

    // Assess
    expect(found).toHaveLength(1);
    expect(found[0]).toEqual({
      direction: spec.direction,
      recipient_secret_key: spec.recipient_secret_key,
      ephemeral_secret_key: spec.ephemeral_secret_key,
      nonce: spec.nonce,
      meta: SPEC_META,
      plaintext_b64u: Buffer.from(spec.plaintext, 'utf8').toString('base64url'),
      envelope: spec.envelope,
    });
  });

  it.each(CASES)('has exactly the item fields, valid ids and canonical key sizes ($case)', ({ vector }) => {
    expect(Object.keys(vector)).toEqual(ITEM_FIELDS);
    expect(Object.keys(vector.meta)).toEqual(['key_id', 'node_id', 'model_id', 'job_id']);
    for (const kind of ['key_id', 'node_id', 'model_id', 'job_id'] as const) {
      expect(vector.meta[kind]).toMatch(ID_PATTERNS[kind]);
    }
    expect(vector.envelope.key_id).toBe(vector.meta.key_id);
    expect(bytes(vector.recipient_secret_key)).toHaveLength(32);
    expect(bytes(vector.ephemeral_secret_key)).toHaveLength(32);
    expect(bytes(vector.nonce)).toHaveLength(12);
    expect(vector.envelope.nonce).toBe(vector.nonce);
  });

  it.each(CASES)('opens to the stored plaintext with the recipient secret key ($case)', ({ vector }) => {
    // Act
    const opened = openEnvelope(vector.direction, bytes(vector.recipient_secret_key), vector.envelope, bindingFor(vector));

    // Assess
    expect(Buffer.from(opened).toString('base64url')).toBe(vector.plaintext_b64u);
    expect(opened).toEqual(plaintextOf(vector));
  });

  it.each(CASES)('reseals to the stored envelope byte for byte ($case)', ({ vector }) => {
    // Prepare
    const recipientPublicKey = x25519.getPublicKey(bytes(vector.recipient_secret_key));

    // Act
    const sealed = sealEnvelope(vector.direction, recipientPublicKey, bindingFor(vector), plaintextOf(vector), {
      ephemeralSecretKey: bytes(vector.ephemeral_secret_key),
      nonce: bytes(vector.nonce),
    });

    // Assess
    expect(JSON.stringify(sealed.envelope)).toBe(JSON.stringify(vector.envelope));
    expect(sealed.envelope).toEqual(vector.envelope);
  });

  it.each(CASES)('passes checkEnvelope for its binding ($case)', ({ vector }) => {
    // Act
    const check = checkEnvelope(vector.envelope, vector.direction, bindingFor(vector));

    // Assess
    expect(check).toEqual({ ok: true, envelope: vector.envelope });
  });
});
