import { readFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ID_PATTERNS } from '../../../lambdas/domain/ids.js';
import { decodeBase64url } from '../../../lambdas/transport/base64url.js';
import { checkEnvelope, type Direction, type Envelope } from '../../../lambdas/transport/envelope.js';
import { openEnvelope, sealEnvelope } from '../../../lambdas/transport/seal.js';

interface Vector {
  direction: Direction;
  recipient_secret_key: string;
  ephemeral_secret_key: string;
  nonce: string;
  meta: { key_id: string; node_id: string; model_id: string; job_id: string };
  plaintext_b64u: string;
  envelope: Envelope;
}

const FILE = new URL('../../vectors/private-transport-v1.json', import.meta.url);
const VECTORS = JSON.parse(readFileSync(FILE, 'utf8')) as Vector[];
const ITEM_FIELDS = ['direction', 'recipient_secret_key', 'ephemeral_secret_key', 'nonce', 'meta', 'plaintext_b64u', 'envelope'];

/** The two envelopes of `private-transport-v1.md`, verbatim, with what opens them. */
const SPEC_VECTORS = [
  {
    case: 'spec request',
    direction: 'request',
    recipient_secret_key: 'gFeZHu-PHxrxj0qUkdFqHOMz9pXU24442nWXXER44Ps',
    ephemeral_secret_key: '9OybM7eSw3LB0sIGNQe2hO-SW4x1pC28v1fWPM04FgA',
    nonce: 'AAECAwQFBgcICQoL',
    plaintext: '{"messages":[{"role":"user","content":"Beauty is truth, truth beauty"}]}',
    envelope: {
      version: 'b3iq-private-transport-v1',
      key_id: 'tk-2026-11',
      algorithm: 'x25519-hkdf-sha256-chacha20poly1305',
      client_public_key_x25519: 'GvoI097AR6ZDiFFj8RgEdvp921TGqAKeoz-VeWvyrEo',
      nonce: 'AAECAwQFBgcICQoL',
      ciphertext:
        'Hd1EFpdghMANfn8Ah3nCWVeiZkX0KIEiCv3JlRm2k00wzWd7f217l-qSYqtPGQqLVK13Li5gpHSbJaa-UCRgAaZhw6DwYog8N8wM0iZAiMXXcDx-Ty7EOQ',
      aad_hash: 'q5-CubowXpWnxCY8JOVl1rVoPmCw7Ew6Q4XdrfWg_-w',
    },
  },
  {
    case: 'spec response',
    direction: 'response',
    recipient_secret_key: '9OybM7eSw3LB0sIGNQe2hO-SW4x1pC28v1fWPM04FgA',
    ephemeral_secret_key: 'kJqbNdPcRxOl5ypNonS1XT04IaN-XQmedKZH21g6kEs',
    nonce: 'DA0ODxAREhMUFRYX',
    plaintext:
      '{"message":{"role":"assistant","content":"Beauty is truth, truth beauty"},"usage":{"prompt_tokens":7,"completion_tokens":7}}',
    envelope: {
      version: 'b3iq-private-transport-v1',
      key_id: 'tk-2026-11',
      algorithm: 'x25519-hkdf-sha256-chacha20poly1305',
      client_public_key_x25519: 'sr4B_ts1PTOqUHcgDZxT_5f3n0J9fo6QTmWa6urpZ30',
      nonce: 'DA0ODxAREhMUFRYX',
      ciphertext:
        'd8BhiZXjkyWMcjXdPvR2swa_lvcucZhXdbg7zrRD_Jdk_3Y20B0uaS2y2xUu_L-N2Ai_PxIj9Nq8o909miaknD4ADKZiCd4k7WxfdFbIhVJyG0fdOzOVo67Wq4APeBsE2H1SMWB38Nuca6qUS-nAQcKflU1HI0vz2L7sdTqnsLszS9x0MLAeZT98KVo',
      aad_hash: '5o57UaClyWxlI4yiEI38HlMoGPN9-mBHI6Ll9ogew1k',
    },
  },
] as const;
const SPEC_META = { key_id: 'tk-2026-11', node_id: 'node-alpha', model_id: 'llama-3.1-8b-instruct', job_id: 'job-0001' };

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

  it.each(SPEC_VECTORS)('contains the spec vector verbatim ($case)', (spec) => {
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
