import {
  decodeBase64url,
  encodeBase64url,
  KEY_RECORD_TYPE,
  KeyDirectory,
  type SignedTransportKey,
  transportKeyRecord,
} from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { directoryKey, signedKey, signRecord, x25519PublicKey } from '../support/key-directory.js';

const NODE_ID = 'node-alpha';

describe('transportKeyRecord', () => {
  const BASE =
    '{"type":"b3iq-node-transport-key-v1","node_id":"node-alpha","key_id":"tk-1","public_key_x25519":"PUB","issued_at":"2026-01-01T00:00:00Z"';

  it.each([
    { case: 'no validity window', validUntil: null, expected: `${BASE}}` },
    { case: 'valid_until last', validUntil: '2026-02-01T00:00:00Z', expected: `${BASE},"valid_until":"2026-02-01T00:00:00Z"}` },
    {
      case: 'fractional valid_until kept as given',
      validUntil: '2026-02-01T00:00:00.5Z',
      expected: `${BASE},"valid_until":"2026-02-01T00:00:00.5Z"}`,
    },
  ])('writes the record fields in a fixed order ($case)', ({ validUntil, expected }) => {
    // Act
    const record = transportKeyRecord(NODE_ID, 'tk-1', 'PUB', '2026-01-01T00:00:00Z', validUntil);

    // Assess
    expect(record).toBe(expected);
    expect(JSON.parse(record).type).toBe(KEY_RECORD_TYPE);
  });

  it('has no valid_until field at all, not even null, when there is no window (absent)', () => {
    // Act
    const record = JSON.parse(transportKeyRecord(NODE_ID, 'tk-1', 'PUB', '2026-01-01T00:00:00Z', null)) as Record<string, unknown>;

    // Assess
    expect(Object.keys(record)).toEqual(['type', 'node_id', 'key_id', 'public_key_x25519', 'issued_at']);
    expect('valid_until' in record).toBe(false);
  });
});

describe('KeyDirectory', () => {
  const signer = directoryKey();
  const key = signedKey(signer.privateKey, NODE_ID, 'tk-1');

  function flipSignatureByte(signature: string, index: number): string {
    const bytes = Uint8Array.from(decodeBase64url(signature)!);
    const at = index < 0 ? bytes.length + index : index;
    bytes[at] = bytes[at]! ^ 0x01;
    return encodeBase64url(bytes);
  }

  it('verifies a record signed by its key (valid)', () => {
    expect(new KeyDirectory(signer.spki).verifies(key, NODE_ID)).toBe(true);
  });

  it('verifies a record with a validity window, and not once its valid_until is moved (window)', () => {
    // Prepare
    const directory = new KeyDirectory(signer.spki);
    const windowed = signedKey(signer.privateKey, NODE_ID, 'tk-w', undefined, '2026-06-01T00:00:00Z');
    const extended = { ...windowed, signed_record: windowed.signed_record.replace('2026-06-01', '2027-06-01') };

    // Act / Assess
    expect(JSON.parse(windowed.signed_record).valid_until).toBe('2026-06-01T00:00:00Z');
    expect(directory.verifies(windowed, NODE_ID)).toBe(true);
    expect(directory.verifies(extended, NODE_ID)).toBe(false);
  });

  it.each([
    { case: 'a stored window end the record does not state', stored: '2099-01-01T00:00:00Z', record: undefined },
    { case: 'no stored window end for a record that states one', stored: null, record: '2026-06-01T00:00:00Z' },
    { case: 'a stored window end later than the signed one', stored: '2027-06-01T00:00:00Z', record: '2026-06-01T00:00:00Z' },
  ])('does not verify a key whose valid_until differs from its signed record: $case', ({ stored, record }) => {
    // Prepare: the signature itself is good; only the stored window end was changed.
    const directory = new KeyDirectory(signer.spki);
    const signed = signedKey(signer.privateKey, NODE_ID, 'tk-s', undefined, record);
    expect(directory.verifies({ ...signed, valid_until: record ?? null }, NODE_ID)).toBe(true);

    // Act / Assess
    expect(directory.verifies({ ...signed, valid_until: stored }, NODE_ID)).toBe(false);
  });

  it('verifies the same record again from memory (memo)', () => {
    // Prepare
    const directory = new KeyDirectory(signer.spki);
    directory.verifies(key, NODE_ID);

    // Act / Assess
    expect(directory.verifies(key, NODE_ID)).toBe(true);
    expect(directory.verifies({ ...key, key_id: 'tk-2' }, NODE_ID)).toBe(false);
    expect(directory.verifies(key, 'node-beta')).toBe(false);
  });

  const otherPublicKey = x25519PublicKey();
  const otherSigner = directoryKey();

  it.each<{ case: string; key: SignedTransportKey; nodeId?: string }>([
    { case: 'signature altered at its end', key: { ...key, signature: flipSignatureByte(key.signature, -1) } },
    { case: 'signature altered in r', key: { ...key, signature: flipSignatureByte(key.signature, 10) } },
    { case: 'signature not canonical base64url', key: { ...key, signature: `${key.signature}=` } },
    { case: 'signature empty', key: { ...key, signature: '' } },
    { case: 'record altered', key: { ...key, signed_record: key.signed_record.replace('2026-01-01', '2027-01-01') } },
    { case: 'record with whitespace added', key: { ...key, signed_record: key.signed_record.replace(',', ', ') } },
    { case: 'record not JSON', key: { ...key, signed_record: 'not json' } },
    { case: 'record of another node', key, nodeId: 'node-beta' },
    {
      case: 'record signed for another node, presented for it',
      key: signedKey(signer.privateKey, 'node-beta', 'tk-1', key.public_key_x25519),
      nodeId: NODE_ID,
    },
    { case: 'key_id differs from the record', key: { ...key, key_id: 'tk-2' } },
    { case: 'public key differs from the record', key: { ...key, public_key_x25519: otherPublicKey } },
    { case: 'signed by another key', key: signedKey(otherSigner.privateKey, NODE_ID, 'tk-1', key.public_key_x25519) },
    {
      case: 'record of another type',
      key: (() => {
        const record = key.signed_record.replace(KEY_RECORD_TYPE, 'b3iq-node-transport-key-v2');
        return { ...key, signed_record: record, signature: signRecord(signer.privateKey, record) };
      })(),
    },
  ])('does not verify a key that is not exactly what was signed ($case)', ({ key: presented, nodeId = NODE_ID }) => {
    // Prepare
    const directory = new KeyDirectory(signer.spki);

    // Act
    const verified = directory.verifies(presented, nodeId);

    // Assess
    expect(directory.verifies(key, NODE_ID)).toBe(true);
    expect(verified).toBe(false);
  });

  it('publishes the SPKI it was built from as base64url (round trip)', () => {
    // Act
    const published = new KeyDirectory(signer.spki).publicKeySpki;

    // Assess
    expect(published).toBe(encodeBase64url(signer.spki));
    expect(new KeyDirectory(decodeBase64url(published)!).verifies(key, NODE_ID)).toBe(true);
  });
});
