import { encodeBase64url } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import {
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
        { key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null },
        { key_id: 'tk-2', public_key_x25519: KEY_B, valid_until: null },
      ],
      identity_public_key_ed25519: IDENTITY,
    });
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
    expect(enrollment.transport_keys).toEqual([{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: validUntil }]);
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

    expect(parseNodeEnrollment(body).transport_keys).toEqual([{ key_id: 'tk-1', public_key_x25519: KEY_A, valid_until: null }]);
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
    const view = nodeView(node, new Date(now));

    // Assess
    expect(view.transport_keys.map((published) => published.key_id)).toEqual(shown);
  });

  it('publishes each key with its valid_until and nothing the client does not need (fields)', () => {
    // Act
    const view = nodeView(node, new Date('2026-03-01T00:00:00Z'));

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
    });
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
