import { createHash } from 'node:crypto';
import {
  checkEnvelope,
  type Envelope,
  encodeBase64url,
  envelopeSha256,
  MAX_CIPHERTEXT_BYTES,
  sealEnvelope,
  transportAadHash,
} from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';

const BINDING = { key_id: 'tk-2026-11', node_id: 'node-alpha', model_id: 'meta/llama-3.1-8b' };
const ROUTE = { node_id: BINDING.node_id, model_id: BINDING.model_id };
const NODE_PUBLIC_KEY = x25519.getPublicKey(x25519.utils.randomSecretKey());
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A valid request envelope; its 6-byte plaintext makes a 22-byte ciphertext (with trailing bits). */
function validEnvelope(): Envelope {
  return sealEnvelope('request', NODE_PUBLIC_KEY, BINDING, new TextEncoder().encode('hello!')).envelope;
}

/** The same bytes' string with non-zero trailing bits: decodes leniently, but does not re-encode to itself. */
function withTrailingBits(text: string): string {
  const last = ALPHABET.indexOf(text.at(-1)!);
  return text.slice(0, -1) + ALPHABET[last | 1];
}

function b64u(length: number, fill = 7): string {
  return encodeBase64url(new Uint8Array(length).fill(fill));
}

type Mutation = (envelope: Record<string, unknown>) => unknown;

function without(field: string): Mutation {
  return (envelope) => {
    delete envelope[field];
    return envelope;
  };
}

function set(field: string, value: unknown): Mutation {
  return (envelope) => ({ ...envelope, [field]: value });
}

function setWith(field: string, value: (current: string) => unknown): Mutation {
  return (envelope) => ({ ...envelope, [field]: value(envelope[field] as string) });
}

const LOW_ORDER_KEY = encodeBase64url(
  Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
);

describe('checkEnvelope', () => {
  it('accepts a freshly sealed request envelope (valid)', () => {
    // Prepare
    const envelope = validEnvelope();

    // Act
    const check = checkEnvelope(envelope, 'request', ROUTE);

    // Assess
    expect(check).toEqual({ ok: true, envelope });
  });

  it.each<{ case: string; mutate: Mutation }>([
    { case: 'aad_hash absent', mutate: without('aad_hash') },
    { case: 'ciphertext of exactly 16 bytes', mutate: set('ciphertext', b64u(16)) },
    { case: 'ciphertext of exactly 512 KiB', mutate: set('ciphertext', b64u(MAX_CIPHERTEXT_BYTES)) },
    { case: 'key order reversed', mutate: (envelope) => Object.fromEntries(Object.entries(envelope).reverse()) },
  ])('accepts a valid variant ($case)', ({ mutate }) => {
    // Prepare
    const envelope = mutate({ ...validEnvelope() });

    // Act
    const check = checkEnvelope(envelope, 'request', ROUTE);

    // Assess
    expect(check.ok).toBe(true);
  });

  it.each<{ case: string; mutate: Mutation; field: string; tooLarge?: boolean }>([
    { case: 'null', mutate: () => null, field: 'encrypted_request' },
    { case: 'array', mutate: (envelope) => [envelope], field: 'encrypted_request' },
    { case: 'string', mutate: (envelope) => JSON.stringify(envelope), field: 'encrypted_request' },
    { case: 'number', mutate: () => 42, field: 'encrypted_request' },
    { case: 'unknown field', mutate: set('signature', 'x'), field: 'signature' },
    {
      case: 'unknown field __proto__ from JSON',
      mutate: (envelope) => JSON.parse(JSON.stringify(envelope).replace('{', '{"__proto__":{},')),
      field: '__proto__',
    },
    { case: 'version missing', mutate: without('version'), field: 'version' },
    { case: 'key_id missing', mutate: without('key_id'), field: 'key_id' },
    { case: 'algorithm missing', mutate: without('algorithm'), field: 'algorithm' },
    { case: 'client_public_key_x25519 missing', mutate: without('client_public_key_x25519'), field: 'client_public_key_x25519' },
    { case: 'nonce missing', mutate: without('nonce'), field: 'nonce' },
    { case: 'ciphertext missing', mutate: without('ciphertext'), field: 'ciphertext' },
    { case: 'version not a string', mutate: set('version', 1), field: 'version' },
    { case: 'key_id not a string', mutate: set('key_id', 7), field: 'key_id' },
    { case: 'algorithm not a string', mutate: set('algorithm', ['x25519-hkdf-sha256-chacha20poly1305']), field: 'algorithm' },
    { case: 'client_public_key_x25519 not a string', mutate: set('client_public_key_x25519', {}), field: 'client_public_key_x25519' },
    { case: 'nonce not a string', mutate: set('nonce', true), field: 'nonce' },
    { case: 'ciphertext not a string', mutate: set('ciphertext', null), field: 'ciphertext' },
    { case: 'aad_hash null', mutate: set('aad_hash', null), field: 'aad_hash' },
    { case: 'wrong version', mutate: set('version', 'b3iq-private-transport-v2'), field: 'version' },
    { case: 'wrong algorithm', mutate: set('algorithm', 'x25519-hkdf-sha256-aes256gcm'), field: 'algorithm' },
    { case: 'bad key_id', mutate: set('key_id', 'tk/2026'), field: 'key_id' },
    { case: 'key_id of 65 chars', mutate: set('key_id', `k${'e'.repeat(64)}`), field: 'key_id' },
    {
      case: 'client_public_key_x25519 padded',
      mutate: setWith('client_public_key_x25519', (text) => `${text}=`),
      field: 'client_public_key_x25519',
    },
    {
      case: 'client_public_key_x25519 trailing bits',
      mutate: setWith('client_public_key_x25519', withTrailingBits),
      field: 'client_public_key_x25519',
    },
    {
      case: 'client_public_key_x25519 standard alphabet',
      mutate: set('client_public_key_x25519', Buffer.alloc(32, 0xfb).toString('base64').replace(/=+$/, '')),
      field: 'client_public_key_x25519',
    },
    { case: 'nonce padded', mutate: set('nonce', Buffer.alloc(11, 1).toString('base64')), field: 'nonce' },
    { case: 'nonce with whitespace', mutate: setWith('nonce', (text) => `${text.slice(0, 8)} ${text.slice(8)}`), field: 'nonce' },
    { case: 'ciphertext padded', mutate: setWith('ciphertext', (text) => `${text}==`), field: 'ciphertext' },
    { case: 'ciphertext trailing bits', mutate: setWith('ciphertext', withTrailingBits), field: 'ciphertext' },
    { case: 'ciphertext with + and /', mutate: set('ciphertext', Buffer.alloc(18, 0xfb).toString('base64')), field: 'ciphertext' },
    { case: 'aad_hash padded', mutate: setWith('aad_hash', (text) => `${text}=`), field: 'aad_hash' },
    { case: 'aad_hash trailing bits', mutate: setWith('aad_hash', withTrailingBits), field: 'aad_hash' },
    { case: 'public key of 31 bytes', mutate: set('client_public_key_x25519', b64u(31)), field: 'client_public_key_x25519' },
    { case: 'public key of 33 bytes', mutate: set('client_public_key_x25519', b64u(33)), field: 'client_public_key_x25519' },
    { case: 'low-order public key', mutate: set('client_public_key_x25519', LOW_ORDER_KEY), field: 'client_public_key_x25519' },
    { case: 'all-zero public key', mutate: set('client_public_key_x25519', b64u(32, 0)), field: 'client_public_key_x25519' },
    { case: 'nonce of 11 bytes', mutate: set('nonce', b64u(11)), field: 'nonce' },
    { case: 'nonce of 13 bytes', mutate: set('nonce', b64u(13)), field: 'nonce' },
    { case: 'nonce of 24 bytes', mutate: set('nonce', b64u(24)), field: 'nonce' },
    { case: 'ciphertext of 15 bytes', mutate: set('ciphertext', b64u(15)), field: 'ciphertext' },
    { case: 'empty ciphertext', mutate: set('ciphertext', ''), field: 'ciphertext' },
    { case: 'ciphertext of 512 KiB + 1', mutate: set('ciphertext', b64u(MAX_CIPHERTEXT_BYTES + 1)), field: 'ciphertext', tooLarge: true },
    { case: 'aad_hash of 31 bytes', mutate: set('aad_hash', b64u(31)), field: 'aad_hash' },
    { case: 'aad_hash of 33 bytes', mutate: set('aad_hash', b64u(33)), field: 'aad_hash' },
    {
      case: 'aad_hash for another node',
      mutate: set('aad_hash', transportAadHash('request', { ...BINDING, node_id: 'node-beta' })),
      field: 'aad_hash',
    },
    {
      case: 'aad_hash for another model',
      mutate: set('aad_hash', transportAadHash('request', { ...BINDING, model_id: 'mistral-7b' })),
      field: 'aad_hash',
    },
    {
      case: 'aad_hash for another key',
      mutate: set('aad_hash', transportAadHash('request', { ...BINDING, key_id: 'tk-2026-12' })),
      field: 'aad_hash',
    },
    { case: 'envelope key_id changed under its aad_hash', mutate: set('key_id', 'tk-2026-12'), field: 'aad_hash' },
    {
      case: 'aad_hash of the response direction',
      mutate: set('aad_hash', transportAadHash('response', { ...BINDING, job_id: 'job-1' })),
      field: 'aad_hash',
    },
  ])('rejects an envelope that breaks a rule ($case)', ({ mutate, field, tooLarge = false }) => {
    // Prepare
    const envelope = mutate({ ...validEnvelope() });

    // Act
    const check = checkEnvelope(envelope, 'request', ROUTE);

    // Assess
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.tooLarge).toBe(tooLarge);
    expect(check.reason).toContain(field);
  });

  it('checks a response aad_hash against the job it answers (response)', () => {
    // Prepare
    const binding = { ...BINDING, job_id: 'job-0001' };
    const { envelope } = sealEnvelope('response', NODE_PUBLIC_KEY, binding, new Uint8Array(0));

    // Act
    const same = checkEnvelope(envelope, 'response', { ...ROUTE, job_id: 'job-0001' });
    const other = checkEnvelope(envelope, 'response', { ...ROUTE, job_id: 'job-0002' });

    // Assess
    expect(same.ok).toBe(true);
    expect(other.ok).toBe(false);
  });
});

describe('envelopeSha256', () => {
  const ENVELOPE: Envelope = {
    version: 'b3iq-private-transport-v1',
    key_id: 'tk-2026-11',
    algorithm: 'x25519-hkdf-sha256-chacha20poly1305',
    client_public_key_x25519: 'AAAA',
    nonce: 'BBBB',
    ciphertext: 'CCCC',
    aad_hash: 'DDDD',
  };
  const SPEC_ORDER_JSON =
    '{"version":"b3iq-private-transport-v1","key_id":"tk-2026-11","algorithm":"x25519-hkdf-sha256-chacha20poly1305",' +
    '"client_public_key_x25519":"AAAA","nonce":"BBBB","ciphertext":"CCCC","aad_hash":"DDDD"}';

  it('is the lowercase hex SHA-256 of the JSON with fields in spec order (pinned)', () => {
    // Act
    const hash = envelopeSha256(ENVELOPE);

    // Assess
    expect(hash).toBe(createHash('sha256').update(SPEC_ORDER_JSON).digest('hex'));
    expect(hash).toBe('7010606f27a93d78e9440123f630ce0cbd8eecbbd338c0da65b5a8cd99100212');
  });

  it.each<{ case: string; order: (entries: [string, string][]) => [string, string][] }>([
    { case: 'reversed', order: (entries) => entries.reverse() },
    { case: 'sorted by name', order: (entries) => entries.sort(([a], [b]) => a.localeCompare(b)) },
    { case: 'aad_hash first', order: (entries) => [entries.at(-1)!, ...entries.slice(0, -1)] },
  ])('does not depend on the key order of the envelope object ($case)', ({ order }) => {
    // Prepare
    const reordered = Object.fromEntries(order(Object.entries(ENVELOPE) as [string, string][])) as unknown as Envelope;

    // Act
    const hash = envelopeSha256(reordered);

    // Assess
    expect(JSON.stringify(reordered)).not.toBe(SPEC_ORDER_JSON);
    expect(hash).toBe(envelopeSha256(ENVELOPE));
  });

  it.each(['version', 'key_id', 'algorithm', 'client_public_key_x25519', 'nonce', 'ciphertext', 'aad_hash'] as const)(
    'differs when one field changes (%s)',
    (field) => {
      // Prepare
      const changed = { ...ENVELOPE, [field]: `${ENVELOPE[field]}x` };

      // Act
      const hash = envelopeSha256(changed);

      // Assess
      expect(hash).not.toBe(envelopeSha256(ENVELOPE));
    },
  );

  it.each<{ case: string; envelope: Envelope }>([
    { case: 'absent', envelope: (({ aad_hash: _, ...rest }) => rest)(ENVELOPE) },
    { case: 'undefined', envelope: { ...ENVELOPE, aad_hash: undefined } },
  ])('leaves aad_hash out of the JSON when it is not present ($case)', ({ envelope }) => {
    // Act
    const hash = envelopeSha256(envelope);

    // Assess
    expect(hash).toBe(createHash('sha256').update(SPEC_ORDER_JSON.replace(',"aad_hash":"DDDD"', '')).digest('hex'));
    expect(hash).not.toBe(envelopeSha256(ENVELOPE));
  });

  it('hashes a sealed envelope to 64 lowercase hex characters (sealed)', () => {
    expect(envelopeSha256(validEnvelope())).toMatch(/^[0-9a-f]{64}$/);
  });
});
