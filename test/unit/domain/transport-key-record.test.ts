import { describe, expect, it } from 'vitest';
import { KEY_RECORD_TYPE, KeyDirectory, type SignedTransportKey, transportKeyRecord } from '../../../lambdas/domain/transport-key-record.js';
import { decodeBase64url, encodeBase64url } from '../../../lambdas/transport/base64url.js';
import { directoryKey, signedKey, signRecord, x25519PublicKey } from '../support/key-directory.js';

const NODE_ID = 'node-alpha';

describe('transportKeyRecord', () => {
  it('writes the record fields in a fixed order (format)', () => {
    // Act
    const record = transportKeyRecord(NODE_ID, 'tk-1', 'PUB', '2026-01-01T00:00:00Z');

    // Assess
    expect(record).toBe(
      '{"type":"b3iq-node-transport-key-v1","node_id":"node-alpha","key_id":"tk-1","public_key_x25519":"PUB","issued_at":"2026-01-01T00:00:00Z"}',
    );
    expect(JSON.parse(record).type).toBe(KEY_RECORD_TYPE);
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
