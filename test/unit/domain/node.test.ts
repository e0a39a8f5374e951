import { describe, expect, it } from 'vitest';
import { parseNodeEnrollment, planTransportKeys, type TransportKey } from '../../../lambdas/domain/node.js';
import { encodeBase64url } from '../../../lambdas/transport/base64url.js';
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
        { key_id: 'tk-1', public_key_x25519: KEY_A },
        { key_id: 'tk-2', public_key_x25519: KEY_B },
      ],
      identity_public_key_ed25519: IDENTITY,
    });
  });

  it('sets identity_public_key_ed25519 to null when it is absent (optional)', () => {
    // Prepare
    const { identity_public_key_ed25519: _identity, ...body } = validBody();

    // Act / Assess
    expect(parseNodeEnrollment({ ...body, status: 'disabled' })).toMatchObject({ status: 'disabled', identity_public_key_ed25519: null });
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

describe('planTransportKeys', () => {
  const NOW = '2026-03-04T05:06:07Z';
  const current: TransportKey = {
    key_id: 'tk-1',
    public_key_x25519: KEY_A,
    signed_record: '{"recorded":"before"}',
    signature: 'c2ln',
    issued_at: '2026-01-01T00:00:00Z',
  };

  it('keeps an unchanged key with its record and issued_at (unchanged)', () => {
    // Act
    const plan = planTransportKeys('node-alpha', [current], [{ key_id: 'tk-1', public_key_x25519: KEY_A }], NOW);

    // Assess
    expect(plan).toEqual({ kept: [current], toSign: [] });
    expect(plan.kept[0]).toBe(current);
  });

  it('makes a record to sign for a new key (new key)', () => {
    // Act
    const plan = planTransportKeys(
      'node-alpha',
      [current],
      [
        { key_id: 'tk-1', public_key_x25519: KEY_A },
        { key_id: 'tk-2', public_key_x25519: KEY_B },
      ],
      NOW,
    );

    // Assess
    expect(plan.kept).toEqual([current]);
    expect(plan.toSign).toHaveLength(1);
    const [toSign] = plan.toSign;
    expect(toSign).toMatchObject({ key_id: 'tk-2', public_key_x25519: KEY_B, issued_at: NOW });
    expect(JSON.parse(toSign!.signed_record)).toEqual({
      type: 'b3iq-node-transport-key-v1',
      node_id: 'node-alpha',
      key_id: 'tk-2',
      public_key_x25519: KEY_B,
      issued_at: NOW,
    });
  });

  it('drops a current key that the request no longer lists (rotation)', () => {
    // Act
    const plan = planTransportKeys('node-alpha', [current], [{ key_id: 'tk-2', public_key_x25519: KEY_B }], NOW);

    // Assess
    expect(plan.kept).toEqual([]);
    expect(plan.toSign.map((key) => key.key_id)).toEqual(['tk-2']);
  });

  it('throws transport_key_conflict for a known key id with another public key (conflict)', () => {
    // Act
    const problem = problemOf(() => planTransportKeys('node-alpha', [current], [{ key_id: 'tk-1', public_key_x25519: KEY_B }], NOW));

    // Assess
    expect(problem.code).toBe('transport_key_conflict');
    expect(problem.status).toBe(409);
  });
});
