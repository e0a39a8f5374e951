/**
 * The known-answer vectors and the low-order point list of `private-transport-v1.md`, copied once, verbatim.
 * Tests compare against these, not against the source's own constants, so a changed source list or a
 * changed derivation fails the tests. The generator writes the two vectors into `private-transport-v1.json`.
 */
import type { Direction, Envelope } from '@b3iq/protocol';

export interface VectorMeta {
  key_id: string;
  node_id: string;
  model_id: string;
  job_id: string;
}

/** One item of `private-transport-v1.json`, fields in file order. */
export interface VectorItem {
  direction: Direction;
  recipient_secret_key: string;
  ephemeral_secret_key: string;
  nonce: string;
  meta: VectorMeta;
  plaintext_b64u: string;
  envelope: Envelope;
}

/** A spec vector: a file item with the plaintext as the spec writes it (a UTF-8 string). */
export type SpecVector = Omit<VectorItem, 'plaintext_b64u'> & { plaintext: string };

export const SPEC_META: VectorMeta = {
  key_id: 'tk-2026-11',
  node_id: 'node-alpha',
  model_id: 'llama-3.1-8b-instruct',
  job_id: 'job-0001',
};

/** The request, sealed to the node key (the spec's `node_secret_key` is `recipient_secret_key`). */
export const SPEC_REQUEST: SpecVector = {
  direction: 'request',
  recipient_secret_key: 'gFeZHu-PHxrxj0qUkdFqHOMz9pXU24442nWXXER44Ps',
  ephemeral_secret_key: '9OybM7eSw3LB0sIGNQe2hO-SW4x1pC28v1fWPM04FgA',
  nonce: 'AAECAwQFBgcICQoL',
  meta: SPEC_META,
  plaintext: '{"messages":[{"role":"user","content":"Beauty is truth, truth beauty"}]}',
  envelope: {
    version: 'b3iq-private-transport-v1',
    key_id: 'tk-2026-11',
    algorithm: 'x25519-hkdf-sha256-chacha20poly1305',
    client_public_key_x25519: 'GvoI097AR6ZDiFFj8RgEdvp921TGqAKeoz-VeWvyrEo',
    nonce: 'AAECAwQFBgcICQoL',
    ciphertext: 'Hd1EFpdghMANfn8Ah3nCWVeiZkX0KIEiCv3JlRm2k00wzWd7f217l-qSYqtPGQqLVK13Li5gpHSbJaa-UCRgAaZhw6DwYog8N8wM0iZAiMXXcDx-Ty7EOQ',
    aad_hash: 'q5-CubowXpWnxCY8JOVl1rVoPmCw7Ew6Q4XdrfWg_-w',
  },
};

/** The response to that request: the client opens it with the request's ephemeral secret. */
export const SPEC_RESPONSE: SpecVector = {
  direction: 'response',
  recipient_secret_key: '9OybM7eSw3LB0sIGNQe2hO-SW4x1pC28v1fWPM04FgA',
  ephemeral_secret_key: 'kJqbNdPcRxOl5ypNonS1XT04IaN-XQmedKZH21g6kEs',
  nonce: 'DA0ODxAREhMUFRYX',
  meta: SPEC_META,
  plaintext: '{"message":{"role":"assistant","content":"Beauty is truth, truth beauty"},"usage":{"prompt_tokens":7,"completion_tokens":7}}',
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
};

export const SPEC_VECTORS: readonly SpecVector[] = [SPEC_REQUEST, SPEC_RESPONSE];

/** A spec vector as a file item: `plaintext` becomes `plaintext_b64u`, the base64url of its UTF-8 bytes. */
export function toVectorItem(spec: SpecVector): VectorItem {
  return {
    direction: spec.direction,
    recipient_secret_key: spec.recipient_secret_key,
    ephemeral_secret_key: spec.ephemeral_secret_key,
    nonce: spec.nonce,
    meta: spec.meta,
    plaintext_b64u: Buffer.from(spec.plaintext, 'utf8').toString('base64url'),
    envelope: spec.envelope,
  };
}

/** The spec's low-order points: hex, little-endian, top bit of the last byte clear. */
export const SPEC_LOW_ORDER_POINTS: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
