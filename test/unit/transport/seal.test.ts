import type { Direction } from '@b3iq/protocol';
import { decodeBase64url, encodeBase64url, openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { SPEC_META, SPEC_REQUEST, SPEC_VECTORS } from '../../vectors/spec.js';

const META = SPEC_META;

/** The two known-answer vectors of `private-transport-v1.md`, each with the public key it is sealed to. */
const VECTORS = SPEC_VECTORS.map((vector) => ({
  case: vector.direction,
  ...vector,
  recipient_public_key: encodeBase64url(x25519.getPublicKey(bytes(vector.recipient_secret_key))),
}));

function bytes(text: string): Uint8Array {
  return decodeBase64url(text)!;
}

function bindingFor(direction: Direction) {
  return direction === 'request' ? { key_id: META.key_id, node_id: META.node_id, model_id: META.model_id } : META;
}

describe('sealEnvelope', () => {
  it.each(VECTORS)('reproduces the known-answer envelope exactly ($case)', (vector) => {
    // Prepare
    const plaintext = new TextEncoder().encode(vector.plaintext);

    // Act
    const sealed = sealEnvelope(vector.direction, bytes(vector.recipient_public_key), bindingFor(vector.direction), plaintext, {
      ephemeralSecretKey: bytes(vector.ephemeral_secret_key),
      nonce: bytes(vector.nonce),
    });

    // Assess
    expect(sealed.envelope).toEqual(vector.envelope);
    expect(encodeBase64url(sealed.ephemeralSecretKey)).toBe(vector.ephemeral_secret_key);
  });

  it('uses a fresh ephemeral key and nonce when none is given (freshness)', () => {
    // Prepare
    const recipient = x25519.getPublicKey(x25519.utils.randomSecretKey());
    const plaintext = new TextEncoder().encode('same plaintext');

    // Act
    const first = sealEnvelope('request', recipient, bindingFor('request'), plaintext);
    const second = sealEnvelope('request', recipient, bindingFor('request'), plaintext);

    // Assess
    expect(first.envelope.client_public_key_x25519).not.toBe(second.envelope.client_public_key_x25519);
    expect(first.envelope.nonce).not.toBe(second.envelope.nonce);
    expect(first.envelope.ciphertext).not.toBe(second.envelope.ciphertext);
  });

  it('refuses to seal to a low-order recipient key (low order)', () => {
    expect(() => sealEnvelope('request', new Uint8Array(32), bindingFor('request'), new Uint8Array(1))).toThrow();
  });
});

describe('openEnvelope', () => {
  it.each(VECTORS)('opens the known-answer envelope to its plaintext ($case)', (vector) => {
    // Act
    const plaintext = openEnvelope(vector.direction, bytes(vector.recipient_secret_key), vector.envelope, bindingFor(vector.direction));

    // Assess
    expect(new TextDecoder().decode(plaintext)).toBe(vector.plaintext);
  });

  it.each(
    VECTORS.flatMap((vector) => [
      { ...vector, case: `${vector.case}, other node_id`, binding: { ...bindingFor(vector.direction), node_id: 'node-beta' } },
      { ...vector, case: `${vector.case}, other model_id`, binding: { ...bindingFor(vector.direction), model_id: 'mistral-7b' } },
      { ...vector, case: `${vector.case}, other key_id`, binding: { ...bindingFor(vector.direction), key_id: 'tk-2026-12' } },
    ]).concat([{ ...VECTORS[1]!, case: 'response, other job_id', binding: { ...META, job_id: 'job-0002' } }]),
  )('throws for an envelope opened under another binding ($case)', (vector) => {
    expect(() => openEnvelope(vector.direction, bytes(vector.recipient_secret_key), vector.envelope, vector.binding)).toThrow();
  });

  it.each(VECTORS)('throws under another binding even without aad_hash, through the AEAD ($case)', (vector) => {
    // Prepare
    const { aad_hash: _omitted, ...envelope } = vector.envelope;
    const binding = { ...bindingFor(vector.direction), model_id: 'mistral-7b' };

    // Act
    const open = () => openEnvelope(vector.direction, bytes(vector.recipient_secret_key), envelope, binding);

    // Assess
    expect(_omitted).toBeDefined();
    expect(openEnvelope(vector.direction, bytes(vector.recipient_secret_key), envelope, bindingFor(vector.direction))).toBeInstanceOf(
      Uint8Array,
    );
    expect(open).toThrow();
  });

  it.each(VECTORS.flatMap((vector) => [0, 5, 40, -1].map((index) => ({ ...vector, case: `${vector.case}, byte ${index}`, index }))))(
    'throws when one bit of the ciphertext is flipped ($case)',
    (vector) => {
      // Prepare
      const ciphertext = Uint8Array.from(bytes(vector.envelope.ciphertext));
      const at = vector.index < 0 ? ciphertext.length + vector.index : vector.index;
      ciphertext[at] = ciphertext[at]! ^ 0x01;
      const envelope = { ...vector.envelope, ciphertext: encodeBase64url(ciphertext) };

      // Act
      const open = () => openEnvelope(vector.direction, bytes(vector.recipient_secret_key), envelope, bindingFor(vector.direction));

      // Assess
      expect(envelope.ciphertext).not.toBe(vector.envelope.ciphertext);
      expect(open).toThrow();
    },
  );

  it('throws for the wrong recipient secret key (wrong key)', () => {
    // Prepare
    const wrongKey = x25519.utils.randomSecretKey();

    // Act
    const open = () => openEnvelope('request', wrongKey, SPEC_REQUEST.envelope, bindingFor('request'));

    // Assess
    expect(open).toThrow();
  });

  it('round-trips a random plaintext through both directions (round trip)', () => {
    // Prepare
    const nodeSecret = x25519.utils.randomSecretKey();
    const plaintext = Uint8Array.from({ length: 1000 }, (_, index) => index % 251);
    const request = sealEnvelope('request', x25519.getPublicKey(nodeSecret), bindingFor('request'), plaintext);
    const response = sealEnvelope('response', bytes(request.envelope.client_public_key_x25519), META, plaintext);

    // Act
    const openedRequest = openEnvelope('request', nodeSecret, request.envelope, bindingFor('request'));
    const openedResponse = openEnvelope('response', request.ephemeralSecretKey, response.envelope, META);

    // Assess
    expect(openedRequest).toEqual(plaintext);
    expect(openedResponse).toEqual(plaintext);
  });
});

describe('sealEnvelope input checks', () => {
  const recipient = x25519.getPublicKey(x25519.utils.randomSecretKey());
  const binding = { key_id: 'tk-1', node_id: 'node-1', model_id: 'org/model:8b' };

  it('seals the largest plaintext an opener accepts and refuses one byte more', () => {
    expect(() => sealEnvelope('request', recipient, binding, new Uint8Array(512 * 1024 - 16))).not.toThrow();
    expect(() => sealEnvelope('request', recipient, binding, new Uint8Array(512 * 1024 - 15))).toThrow(RangeError);
  });

  it.each([
    { case: 'a key_id with "/"', direction: 'request', change: { key_id: 'tk/2026' } },
    { case: 'a node_id with "."', direction: 'request', change: { node_id: 'node.1' } },
    { case: 'an empty model_id', direction: 'request', change: { model_id: '' } },
    { case: 'a response without job_id', direction: 'response', change: {} },
    { case: 'a job_id with a space', direction: 'response', change: { job_id: 'job 1' } },
  ] as const)('refuses $case, which no opener would accept', ({ direction, change }) => {
    expect(() => sealEnvelope(direction, recipient, { ...binding, ...change }, new Uint8Array(1))).toThrow(TypeError);
  });
});
