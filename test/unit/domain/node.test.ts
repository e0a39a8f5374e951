import { encodeBase64url, MAX_PRICE_WEI, type NodeKeyClaim, signNodeKeyStatement, verifiesNodeKeyStatement } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  checkNodeSignatures,
  type InferenceNode,
  isCurrentKey,
  nodeView,
  parseNodeEnrollment,
  planTransportKeys,
  type TransportKey,
} from '../../../lambdas/domain/node.js';
import { x25519PublicKey } from '../support/key-directory.js';
import { problemOf } from '../support/problem.js';

const KEY_A = x25519PublicKey();
const KEY_B = x25519PublicKey();
const IDENTITY = encodeBase64url(new Uint8Array(32).fill(9));
const LOW_ORDER = encodeBase64url(Uint8Array.from(Buffer.from('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', 'hex')));

function validBody(): Record<string, unknown> {
  return {
    status: 'active',
    models: [
      { model_id: 'meta/llama-3.1-8b', price_wei: '1000' },
      { model_id: 'mistral-7b', price_wei: '1' },
    ],
    transport_keys: [
      { key_id: 'tk-1', public_key_x25519: KEY_A },
      { key_id: 'tk-2', public_key_x25519: KEY_B },
    ],
    identity_public_key_ed25519: IDENTITY,
  };
}

describe('parseNodeEnrollment', () => {
  it('parses a valid body with bigint prices (valid)', () => {
    // Act
    const enrollment = parseNodeEnrollment(validBody());

    // Assess
    expect(enrollment).toEqual({
      status: 'active',
      models: [
        { model_id: 'meta/llama-3.1-8b', price_wei: 1000n },
        { model_id: 'mistral-7b', price_wei: 1n },
      ],
      transport_keys: [
        { key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null, node_signature_ed25519: null },
        { key_id: 'tk-2', public_key_x25519: KEY_B, valid_until: null, node_signature_ed25519: null },
      ],
      identity_public_key_ed25519: IDENTITY,
    });
  });

  it("keeps each transport key's node signature as sent (signature)", () => {
    // Prepare
    const signature = encodeBase64url(new Uint8Array(64).fill(3));
    const body = { ...validBody(), transport_keys: [{ key_id: 'tk-1', public_key_x25519: KEY_A, node_signature_ed25519: signature }] };

    // Act
    const enrollment = parseNodeEnrollment(body);

    // Assess
    expect(enrollment.transport_keys).toEqual([
      { key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null, node_signature_ed25519: signature },
    ]);
  });

  it.each([
    { case: 'one wei', price: 1n },
    { case: 'the highest price, 26 nines', price: MAX_PRICE_WEI },
  ])('accepts a price up to the highest price per job ($case)', ({ price }) => {
    // Prepare
    const body = { ...validBody(), models: [{ model_id: 'm', price_wei: price.toString() }] };

    // Act
    const enrollment = parseNodeEnrollment(body);

    // Assess
    expect(enrollment.models).toEqual([{ model_id: 'm', price_wei: price }]);
  });

  it.each([
    { case: 'one above the highest price (27 digits)', price: MAX_PRICE_WEI + 1n },
    { case: '38 digits, which a second settlement would overflow', price: 10n ** 38n - 1n },
  ])('throws invalid_request for a price that could overflow the node earnings ($case)', ({ price }) => {
    // Prepare
    const body = {
      ...validBody(),
      models: [
        { model_id: 'm', price_wei: '1' },
        { model_id: 'big', price_wei: price.toString() },
      ],
    };

    // Act
    const problem = problemOf(() => parseNodeEnrollment(body));

    // Assess
    expect(problem.code).toBe('invalid_request');
    expect(problem.message).toBe("models[1].price_wei must be at most 26 digits, so that the node's earnings stay within 38 digits");
  });

  it.each([
    { case: 'whole seconds', validUntil: '2026-06-01T00:00:00Z' },
    { case: 'milliseconds', validUntil: '2026-06-01T00:00:00.123Z' },
    { case: 'nanoseconds', validUntil: '2026-06-01T00:00:00.123456789Z' },
    { case: 'leap day', validUntil: '2028-02-29T23:59:59Z' },
    { case: 'in the past (a window may already have closed)', validUntil: '2020-01-01T00:00:00Z' },
  ])('accepts a transport key valid_until that is an RFC 3339 UTC timestamp ($case)', ({ validUntil }) => {
    // Prepare
    const body = { ...validBody(), transport_keys: [{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: validUntil }] };

    // Act
    const enrollment = parseNodeEnrollment(body);

    // Assess
    expect(enrollment.transport_keys).toEqual([
      { key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: validUntil, node_signature_ed25519: null },
    ]);
  });

  it.each<{ case: string; validUntil: unknown }>([
    { case: 'February 30th', validUntil: '2026-02-30T00:00:00Z' },
    { case: 'no Z', validUntil: '2026-06-01T00:00:00' },
    { case: 'offset instead of Z', validUntil: '2026-06-01T00:00:00+00:00' },
    { case: 'lowercase z', validUntil: '2026-06-01T00:00:00z' },
    { case: 'date only', validUntil: '2026-06-01' },
    { case: 'hour 24', validUntil: '2026-06-01T24:00:00Z' },
    { case: 'ten fraction digits', validUntil: '2026-06-01T00:00:00.1234567890Z' },
    { case: 'epoch seconds number', validUntil: 1780272000 },
    { case: 'empty string', validUntil: '' },
  ])('throws invalid_request for a transport key valid_until that is not a timestamp ($case)', ({ validUntil }) => {
    // Prepare
    const body = { ...validBody(), transport_keys: [{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: validUntil }] };

    // Act
    const problem = problemOf(() => parseNodeEnrollment(body));

    // Assess
    expect(problem.code).toBe('invalid_request');
    expect(problem.message).toBe('transport_keys[0].valid_until must be an RFC 3339 UTC timestamp, or null for no end');
  });

  it('reads a null valid_until as no end, so a node view can be sent back as an enrollment', () => {
    const body = { ...validBody(), transport_keys: [{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null }] };

    expect(parseNodeEnrollment(body).transport_keys).toEqual([
      { key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null, node_signature_ed25519: null },
    ]);
  });

  it('leaves identity_public_key_ed25519 out when it is absent (the current key stays), and takes null as a revocation', () => {
    // Prepare
    const { identity_public_key_ed25519: _identity, ...body } = validBody();

    // Act
    const omitted = parseNodeEnrollment({ ...body, status: 'disabled' });
    const revoked = parseNodeEnrollment({ ...body, identity_public_key_ed25519: null });

    // Assess
    expect(omitted).toMatchObject({ status: 'disabled' });
    expect(omitted).not.toHaveProperty('identity_public_key_ed25519');
    expect(revoked).toMatchObject({ identity_public_key_ed25519: null });
  });

  const key = (key_id: string, public_key_x25519: unknown) => ({ key_id, public_key_x25519 });
  const model = (model_id: unknown, price_wei: unknown) => ({ model_id, price_wei });

  it.each<{ case: string; change: Record<string, unknown> | null }>([
    { case: 'body null', change: null },
    { case: 'unknown field', change: { region: 'eu' } },
    { case: 'status missing', change: { status: undefined } },
    { case: 'bad status', change: { status: 'paused' } },
    { case: 'status in capitals', change: { status: 'ACTIVE' } },
    { case: 'models missing', change: { models: undefined } },
    { case: 'empty models', change: { models: [] } },
    { case: 'models not an array', change: { models: { model_id: 'm', price_wei: '1' } } },
    { case: 'model not an object', change: { models: ['llama'] } },
    { case: 'model with unknown field', change: { models: [{ model_id: 'm', price_wei: '1', currency: 'eth' }] } },
    { case: 'model id bad', change: { models: [model('-m', '1')] } },
    { case: 'price "0"', change: { models: [model('m', '0')] } },
    { case: 'price a number', change: { models: [model('m', 5)] } },
    { case: 'price 39 digits', change: { models: [model('m', `1${'0'.repeat(38)}`)] } },
    { case: 'duplicate model', change: { models: [model('m', '1'), model('m', '2')] } },
    { case: 'transport_keys missing', change: { transport_keys: undefined } },
    { case: 'empty transport_keys', change: { transport_keys: [] } },
    { case: 'transport key with unknown field', change: { transport_keys: [{ ...key('tk-1', KEY_A), issued_at: 'x' }] } },
    { case: 'key id bad', change: { transport_keys: [key('tk/1', KEY_A)] } },
    { case: 'low-order key', change: { transport_keys: [key('tk-1', LOW_ORDER)] } },
    { case: 'all-zero key', change: { transport_keys: [key('tk-1', encodeBase64url(new Uint8Array(32)))] } },
    { case: '31-byte key', change: { transport_keys: [key('tk-1', encodeBase64url(new Uint8Array(31).fill(9)))] } },
    { case: '33-byte key', change: { transport_keys: [key('tk-1', encodeBase64url(new Uint8Array(33).fill(9)))] } },
    { case: 'padded key', change: { transport_keys: [key('tk-1', `${KEY_A}=`)] } },
    { case: 'key not a string', change: { transport_keys: [key('tk-1', 42)] } },
    { case: 'duplicate key id', change: { transport_keys: [key('tk-1', KEY_A), key('tk-1', KEY_B)] } },
    { case: 'identity key 31 bytes', change: { identity_public_key_ed25519: encodeBase64url(new Uint8Array(31)) } },
    { case: 'identity key 33 bytes', change: { identity_public_key_ed25519: encodeBase64url(new Uint8Array(33)) } },
    { case: 'identity key padded', change: { identity_public_key_ed25519: `${IDENTITY}=` } },
    { case: 'identity key a number', change: { identity_public_key_ed25519: 1 } },
    {
      case: 'node signature 63 bytes',
      change: { transport_keys: [{ ...key('tk-1', KEY_A), node_signature_ed25519: encodeBase64url(new Uint8Array(63)) }] },
    },
    {
      case: 'node signature 65 bytes',
      change: { transport_keys: [{ ...key('tk-1', KEY_A), node_signature_ed25519: encodeBase64url(new Uint8Array(65)) }] },
    },
    {
      case: 'node signature not base64url',
      change: { transport_keys: [{ ...key('tk-1', KEY_A), node_signature_ed25519: '!'.repeat(86) }] },
    },
    { case: 'node signature a number', change: { transport_keys: [{ ...key('tk-1', KEY_A), node_signature_ed25519: 5 }] } },
    { case: 'node signature null', change: { transport_keys: [{ ...key('tk-1', KEY_A), node_signature_ed25519: null }] } },
  ])('throws invalid_request for an invalid body ($case)', ({ change }) => {
    // Prepare
    const body = change === null ? null : JSON.parse(JSON.stringify({ ...validBody(), ...change }));

    // Act
    const problem = problemOf(() => parseNodeEnrollment(body));

    // Assess
    expect(problem.code).toBe('invalid_request');
    expect(problem.status).toBe(400);
  });
});

/** The plan for a node that has no identity key and sends no node signatures. */
function planWithoutIdentity(
  current: TransportKey[],
  requested: { key_id: string; public_key_x25519: string; valid_until: string | null }[],
  now: string,
) {
  const unsigned = requested.map((key) => ({ ...key, node_signature_ed25519: null }));
  return planTransportKeys('node-alpha', { keys: current, identityPublicKey: null }, unsigned, null, now);
}

describe('planTransportKeys', () => {
  const NOW = '2026-03-04T05:06:07Z';
  const UNTIL = '2026-04-01T00:00:00Z';
  const current: TransportKey = {
    key_id: 'tk-1',
    public_key_x25519: KEY_A,
    signed_record: '{"recorded":"before"}',
    signature: 'c2ln',
    issued_at: '2026-01-01T00:00:00Z',
    valid_until: null,
  };
  const windowed: TransportKey = { ...current, signed_record: '{"recorded":"windowed"}', valid_until: UNTIL };

  it.each([
    { case: 'no window', existing: current },
    { case: 'same window', existing: windowed },
  ])('keeps an unchanged key with its record and issued_at (unchanged, $case)', ({ existing }) => {
    // Act
    const plan = planWithoutIdentity([existing], [{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: existing.valid_until }], NOW);

    // Assess
    expect(plan).toEqual({ kept: [existing], toSign: [] });
    expect(plan.kept[0]).toBe(existing);
    expect(plan.kept[0]?.issued_at).toBe('2026-01-01T00:00:00Z');
  });

  it('makes a record to sign for a new key (new key)', () => {
    // Act
    const plan = planWithoutIdentity(
      [current],
      [
        { key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null },
        { key_id: 'tk-2', public_key_x25519: KEY_B, valid_until: null },
      ],
      NOW,
    );

    // Assess
    expect(plan.kept).toEqual([current]);
    expect(plan.toSign).toHaveLength(1);
    const [toSign] = plan.toSign;
    expect(toSign).toMatchObject({ key_id: 'tk-2', public_key_x25519: KEY_B, issued_at: NOW, valid_until: null });
    expect(JSON.parse(toSign!.signed_record)).toEqual({
      type: 'b3iq-node-transport-key-v1',
      node_id: 'node-alpha',
      key_id: 'tk-2',
      public_key_x25519: KEY_B,
      issued_at: NOW,
    });
  });

  it('signs the window of a new key into its record (new key with window)', () => {
    // Act
    const plan = planWithoutIdentity([], [{ key_id: 'tk-2', public_key_x25519: KEY_B, valid_until: UNTIL }], NOW);

    // Assess
    expect(plan.toSign).toEqual([
      {
        key_id: 'tk-2',
        public_key_x25519: KEY_B,
        issued_at: NOW,
        valid_until: UNTIL,
        node_signature_ed25519: null,
        signed_record: `{"type":"b3iq-node-transport-key-v1","node_id":"node-alpha","key_id":"tk-2","public_key_x25519":"${KEY_B}","issued_at":"${NOW}","valid_until":"${UNTIL}"}`,
      },
    ]);
  });

  it.each([
    { case: 'window added', existing: current, validUntil: UNTIL },
    { case: 'window moved', existing: windowed, validUntil: '2026-05-01T00:00:00Z' },
    { case: 'window removed', existing: windowed, validUntil: null },
  ])('re-signs a known key whose valid_until changed, issued now ($case)', ({ existing, validUntil }) => {
    // Act
    const plan = planWithoutIdentity([existing], [{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: validUntil }], NOW);

    // Assess
    expect(plan.kept).toEqual([]);
    expect(plan.toSign).toHaveLength(1);
    const [toSign] = plan.toSign;
    expect(toSign).toMatchObject({ key_id: 'tk-1', public_key_x25519: KEY_A, issued_at: NOW, valid_until: validUntil });
    const record = JSON.parse(toSign!.signed_record) as Record<string, unknown>;
    expect(record.issued_at).toBe(NOW);
    expect(record.valid_until).toBe(validUntil ?? undefined);
    expect(toSign!.signed_record).not.toBe(existing.signed_record);
  });

  it('drops a current key that the request no longer lists (rotation)', () => {
    // Act
    const plan = planWithoutIdentity([current], [{ key_id: 'tk-2', public_key_x25519: KEY_B, valid_until: null }], NOW);

    // Assess
    expect(plan.kept).toEqual([]);
    expect(plan.toSign.map((key) => key.key_id)).toEqual(['tk-2']);
  });

  it.each([
    { case: 'same window', existing: current, validUntil: null },
    { case: 'window changed too', existing: windowed, validUntil: '2026-05-01T00:00:00Z' },
  ])('throws transport_key_conflict for a known key id with another public key (conflict, $case)', ({ existing, validUntil }) => {
    // Act
    const problem = problemOf(() =>
      planWithoutIdentity([existing], [{ key_id: 'tk-1', public_key_x25519: KEY_B, valid_until: validUntil }], NOW),
    );

    // Assess
    expect(problem.code).toBe('transport_key_conflict');
    expect(problem.status).toBe(409);
  });
});

/** A node identity key pair, and its signature of the statement about a key as enrolled. */
function nodeIdentity(seed: number) {
  const secretKey = new Uint8Array(32).fill(seed);
  const publicKey = encodeBase64url(ed25519.getPublicKey(secretKey));
  const sign = (claim: NodeKeyClaim) => signNodeKeyStatement(secretKey, claim);
  return { publicKey, sign };
}

describe('checkNodeSignatures', () => {
  const node = nodeIdentity(21);
  const other = nodeIdentity(22);
  const UNTIL = '2026-04-01T00:00:00Z';
  const claimOf = (key_id: string, public_key_x25519: string, valid_until: string | null): NodeKeyClaim => ({
    node_id: 'node-alpha',
    key_id,
    public_key_x25519,
    valid_until,
  });
  /** Two keys as a node signs them; the second (index 1) is the one each case spoils. */
  const keysWithSecond = (signature: string | null) => [
    { ...claimOf('tk-1', KEY_A, null), node_signature_ed25519: node.sign(claimOf('tk-1', KEY_A, null)) },
    { ...claimOf('tk-2', KEY_B, UNTIL), node_signature_ed25519: signature },
  ];

  it("accepts keys that each carry the identity key's signature of their own statement (valid)", () => {
    // Prepare
    const keys = keysWithSecond(node.sign(claimOf('tk-2', KEY_B, UNTIL)));

    // Act
    const check = () => checkNodeSignatures('node-alpha', keys, node.publicKey);

    // Assess
    expect(check).not.toThrow();
    expect(verifiesNodeKeyStatement(node.publicKey, claimOf('tk-2', KEY_B, UNTIL), keys[1]!.node_signature_ed25519)).toBe(true);
  });

  it('accepts keys without node signatures for a node without an identity key (stored, never serves)', () => {
    const keys = [{ ...claimOf('tk-1', KEY_A, null), node_signature_ed25519: null }];

    expect(() => checkNodeSignatures('node-alpha', keys, null)).not.toThrow();
  });

  it.each<{ case: string; signature: string | null; detail: RegExp }>([
    { case: 'missing', signature: null, detail: /^transport_keys\[1\]\.node_signature_ed25519 is missing/ },
    {
      case: 'signed by another identity key',
      signature: other.sign(claimOf('tk-2', KEY_B, UNTIL)),
      detail: /^transport_keys\[1\]\.node_signature_ed25519 does not verify/,
    },
    { case: 'the statement of another key id', signature: node.sign(claimOf('tk-1', KEY_B, UNTIL)), detail: /does not verify/ },
    { case: 'the statement of another public key', signature: node.sign(claimOf('tk-2', KEY_A, UNTIL)), detail: /does not verify/ },
    { case: 'the statement of another window', signature: node.sign(claimOf('tk-2', KEY_B, null)), detail: /does not verify/ },
    {
      case: 'the statement of another node',
      signature: node.sign({ ...claimOf('tk-2', KEY_B, UNTIL), node_id: 'node-beta' }),
      detail: /does not verify/,
    },
    { case: 'the signature of the first key', signature: node.sign(claimOf('tk-1', KEY_A, null)), detail: /does not verify/ },
    { case: 'garbage of the right length', signature: encodeBase64url(new Uint8Array(64).fill(7)), detail: /does not verify/ },
  ])('throws invalid_request naming the key for a node signature that is $case', ({ signature, detail }) => {
    // Act
    const problem = problemOf(() => checkNodeSignatures('node-alpha', keysWithSecond(signature), node.publicKey));

    // Assess
    expect(problem.code).toBe('invalid_request');
    expect(problem.status).toBe(400);
    expect(problem.message).toMatch(/^transport_keys\[1\]\.node_signature_ed25519 /);
    expect(problem.message).toMatch(detail);
  });

  it('throws invalid_request for a node signature sent for a node without an identity key (refused, not stored unverifiable)', () => {
    // Act
    const problem = problemOf(() => checkNodeSignatures('node-alpha', keysWithSecond(node.sign(claimOf('tk-2', KEY_B, UNTIL))), null));

    // Assess
    expect(problem.code).toBe('invalid_request');
    expect(problem.message).toMatch(/^transport_keys\[0\]\.node_signature_ed25519 is sent for a node without an identity key/);
  });
});

describe('planTransportKeys with an identity key', () => {
  const NOW = '2026-03-04T05:06:07Z';
  const node = nodeIdentity(31);
  const rotated = nodeIdentity(32);
  const signedBy = (identity: ReturnType<typeof nodeIdentity>, key_id: string, public_key_x25519: string) => ({
    key_id,
    public_key_x25519,
    valid_until: null,
    node_signature_ed25519: identity.sign({ node_id: 'node-alpha', key_id, public_key_x25519, valid_until: null }),
  });
  const enrolledAs = (requested: ReturnType<typeof signedBy>, identityPublicKey: string): TransportKey => ({
    ...requested,
    issued_at: '2026-01-01T00:00:00Z',
    signed_record: transportRecordNaming(requested.key_id, requested.public_key_x25519, identityPublicKey),
    signature: 'c2ln',
  });
  const transportRecordNaming = (keyId: string, publicKey: string, identity: string) =>
    `{"type":"b3iq-node-transport-key-v1","node_id":"node-alpha","key_id":"${keyId}","public_key_x25519":"${publicKey}","issued_at":"2026-01-01T00:00:00Z","identity_public_key_ed25519":"${identity}"}`;

  it('names the identity key in the record of a new key and keeps its node signature', () => {
    // Prepare
    const requested = signedBy(node, 'tk-1', KEY_A);

    // Act
    const plan = planTransportKeys('node-alpha', { keys: [], identityPublicKey: null }, [requested], node.publicKey, NOW);

    // Assess
    expect(plan.toSign).toEqual([{ ...requested, issued_at: NOW, signed_record: expect.any(String) }]);
    expect(JSON.parse(plan.toSign[0]!.signed_record)).toEqual({
      type: 'b3iq-node-transport-key-v1',
      node_id: 'node-alpha',
      key_id: 'tk-1',
      public_key_x25519: KEY_A,
      issued_at: NOW,
      identity_public_key_ed25519: node.publicKey,
    });
  });

  it('keeps a key whose signature and identity key are unchanged, with its record and issued_at', () => {
    // Prepare
    const requested = signedBy(node, 'tk-1', KEY_A);
    const existing = enrolledAs(requested, node.publicKey);

    // Act
    const plan = planTransportKeys('node-alpha', { keys: [existing], identityPublicKey: node.publicKey }, [requested], node.publicKey, NOW);

    // Assess
    expect(plan).toEqual({ kept: [existing], toSign: [] });
  });

  it('re-signs every key when the identity key changes, each record naming the new identity key (rotation of the identity key)', () => {
    // Prepare
    const current = [enrolledAs(signedBy(node, 'tk-1', KEY_A), node.publicKey), enrolledAs(signedBy(node, 'tk-2', KEY_B), node.publicKey)];
    const requested = [signedBy(rotated, 'tk-1', KEY_A), signedBy(rotated, 'tk-2', KEY_B)];

    // Act
    const plan = planTransportKeys('node-alpha', { keys: current, identityPublicKey: node.publicKey }, requested, rotated.publicKey, NOW);

    // Assess
    expect(plan.kept).toEqual([]);
    expect(plan.toSign.map((key) => [key.key_id, key.node_signature_ed25519, key.issued_at])).toEqual(
      requested.map((key) => [key.key_id, key.node_signature_ed25519, NOW]),
    );
    for (const key of plan.toSign) expect(JSON.parse(key.signed_record).identity_public_key_ed25519).toBe(rotated.publicKey);
  });

  it('throws invalid_request when the identity key changes but the keys still carry the old signatures', () => {
    // Prepare
    const requested = signedBy(node, 'tk-1', KEY_A);
    const existing = enrolledAs(requested, node.publicKey);

    // Act
    const problem = problemOf(() =>
      planTransportKeys('node-alpha', { keys: [existing], identityPublicKey: node.publicKey }, [requested], rotated.publicKey, NOW),
    );

    // Assess
    expect(problem.code).toBe('invalid_request');
    expect(problem.message).toMatch(/^transport_keys\[0\]\.node_signature_ed25519 does not verify/);
  });

  it('re-signs a key without a node signature that the node now signs (a node enrolled before node signatures)', () => {
    // Prepare
    const requested = signedBy(node, 'tk-1', KEY_A);
    const existing = { ...enrolledAs(requested, node.publicKey), node_signature_ed25519: null };

    // Act
    const plan = planTransportKeys('node-alpha', { keys: [existing], identityPublicKey: node.publicKey }, [requested], node.publicKey, NOW);

    // Assess
    expect(plan.kept).toEqual([]);
    expect(plan.toSign).toMatchObject([{ key_id: 'tk-1', node_signature_ed25519: requested.node_signature_ed25519, issued_at: NOW }]);
  });
});

describe('nodeView', () => {
  const UNTIL = '2026-04-01T00:00:00Z';
  const key = (key_id: string, valid_until: string | null): TransportKey => ({
    key_id,
    public_key_x25519: KEY_A,
    signed_record: `{"key":"${key_id}"}`,
    signature: 'c2ln',
    issued_at: '2026-01-01T00:00:00Z',
    valid_until,
  });
  const node: InferenceNode = {
    node_id: 'node-alpha',
    status: 'active',
    models: [{ model_id: 'meta/llama-3.1-8b', price_wei: 1000n }],
    transport_keys: [key('tk-old', UNTIL), key('tk-new', null)],
    identity_public_key_ed25519: IDENTITY,
    updated_at: '2026-01-01T00:00:00Z',
  };

  it.each([
    { case: 'well before valid_until', now: '2026-03-01T00:00:00Z', shown: ['tk-old', 'tk-new'] },
    { case: '1 ms before valid_until', now: '2026-03-31T23:59:59.999Z', shown: ['tk-old', 'tk-new'] },
    { case: 'exactly at valid_until', now: UNTIL, shown: ['tk-new'] },
    { case: 'after valid_until', now: '2026-05-01T00:00:00Z', shown: ['tk-new'] },
  ])('shows only the keys current at now ($case)', ({ now, shown }) => {
    // Act
    const view = nodeView(node, new Date(now), null);

    // Assess
    expect(view.transport_keys.map((published) => published.key_id)).toEqual(shown);
  });

  it('publishes each key with its valid_until and nothing the client does not need (fields)', () => {
    // Act
    const view = nodeView(node, new Date('2026-03-01T00:00:00Z'), null);

    // Assess
    expect(view).toEqual({
      node_id: 'node-alpha',
      status: 'active',
      models: [{ model_id: 'meta/llama-3.1-8b', price_wei: '1000' }],
      transport_keys: [
        {
          key_id: 'tk-old',
          public_key_x25519: KEY_A,
          signed_record: '{"key":"tk-old"}',
          signature: 'c2ln',
          valid_until: UNTIL,
          node_signature_ed25519: null,
        },
        {
          key_id: 'tk-new',
          public_key_x25519: KEY_A,
          signed_record: '{"key":"tk-new"}',
          signature: 'c2ln',
          valid_until: null,
          node_signature_ed25519: null,
        },
      ],
      identity_public_key_ed25519: node.identity_public_key_ed25519,
      last_seen_at: null,
    });
  });
  it("publishes each key's node signature and the node's identity key, for a client to check the node's own statement", () => {
    // Prepare
    const signature = encodeBase64url(new Uint8Array(64).fill(4));
    const signed = { ...node, transport_keys: [{ ...key('tk-new', null), node_signature_ed25519: signature }] };

    // Act
    const view = nodeView(signed, new Date('2026-03-01T00:00:00Z'), null);

    // Assess
    expect(view.identity_public_key_ed25519).toBe(IDENTITY);
    expect(view.transport_keys.map((published) => published.node_signature_ed25519)).toEqual([signature]);
  });
});

describe('isCurrentKey', () => {
  const at = (valid_until: string | null): TransportKey => ({
    key_id: 'tk-1',
    public_key_x25519: KEY_A,
    signed_record: '{}',
    signature: 'c2ln',
    issued_at: '2026-01-01T00:00:00Z',
    valid_until,
  });

  it.each([
    { case: 'no window, far future', validUntil: null, now: '2999-01-01T00:00:00Z', current: true },
    { case: '1 ms before', validUntil: '2026-04-01T00:00:00Z', now: '2026-03-31T23:59:59.999Z', current: true },
    { case: 'exactly at the end', validUntil: '2026-04-01T00:00:00Z', now: '2026-04-01T00:00:00Z', current: false },
    { case: '1 ms after', validUntil: '2026-04-01T00:00:00Z', now: '2026-04-01T00:00:00.001Z', current: false },
  ])('is current only strictly before valid_until ($case)', ({ validUntil, now, current }) => {
    expect(isCurrentKey(at(validUntil), new Date(now))).toBe(current);
  });
});
