/** Which keys of a node the client seals to: only those both the directory (KMS) and the node's identity key vouch for. */
import { generateKeyPairSync } from 'node:crypto';
import { signNodeKeyStatement } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { chooseKey, directoryVouchesFor, parseRecord, verifyNodeKeys } from '../../../packages/sdk/src/node-trust.js';
import { directoryKey, signRecord } from '../support/key-directory.js';
import { identity, nodeView, type PublishedKey, publishedKey } from '../support/signed-node.js';

const NODE_ID = 'node-a';
const NOW = Date.parse('2026-06-01T00:00:00Z');
const { privateKey, directory } = directoryKey();
const node = identity();
const honest = () => publishedKey(privateKey, NODE_ID, node, 'tk-1');
const attacker = identity();
const otherDirectory = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

describe('verifyNodeKeys', () => {
  it('uses a key that the directory signed, whose record names the identity key, and that the node signed', () => {
    // Act
    const verdicts = verifyNodeKeys(nodeView(NODE_ID, node, [honest()]), NODE_ID, node.publicKey, directory, NOW);

    // Assess
    expect(verdicts.trusted.map(({ key }) => key.key_id)).toEqual(['tk-1']);
    expect(verdicts.rejected).toEqual([]);
  });

  it.each<{ case: string; key: () => PublishedKey; identityKey?: string | null; reason: string }>([
    {
      case: 'record signed by another P-256 key (a swapped directory)',
      key: () => publishedKey(otherDirectory, NODE_ID, node, 'tk-1'),
      reason: 'does not verify against the key directory',
    },
    {
      case: 'KMS signature over another record',
      // Each honest() has its own public key: this signature is the directory's, over another key's record.
      key: () => ({ ...honest(), signature: honest().signature }),
      reason: 'does not verify against the key directory',
    },
    {
      case: 'record naming another identity key (signed by the directory)',
      key: () => publishedKey(privateKey, NODE_ID, attacker, 'tk-1'),
      reason: "does not name the node's identity key",
    },
    {
      case: 'node signature by another identity key',
      key: () => {
        const key = honest();
        const claim = { node_id: NODE_ID, key_id: 'tk-1', public_key_x25519: key.public_key_x25519, valid_until: null };
        return { ...key, node_signature_ed25519: signNodeKeyStatement(attacker.secretKey, claim) };
      },
      reason: "the node's signature of it does not verify",
    },
    {
      case: 'node signature over another key id',
      key: () => {
        const key = honest();
        const claim = { node_id: NODE_ID, key_id: 'tk-2', public_key_x25519: key.public_key_x25519, valid_until: null };
        return { ...key, node_signature_ed25519: signNodeKeyStatement(node.secretKey, claim) };
      },
      reason: "the node's signature of it does not verify",
    },
    {
      case: 'no node signature',
      key: () => ({ ...honest(), node_signature_ed25519: null }),
      reason: "the node's signature of it does not verify",
    },
    { case: 'node without an identity key', key: honest, identityKey: null, reason: 'the node has no identity key' },
    {
      case: 'signed_record that is not JSON, though the directory signed it',
      key: () => ({ ...honest(), signed_record: 'not json', signature: signRecord(privateKey, 'not json') }),
      reason: 'malformed',
    },
    {
      case: 'signed_record with a number for issued_at',
      key: () => {
        const record = JSON.stringify({ ...JSON.parse(honest().signed_record), issued_at: 5 });
        return { ...honest(), signed_record: record, signature: signRecord(privateKey, record) };
      },
      reason: 'malformed',
    },
    {
      case: 'signed_record that is not a string at all',
      key: () => ({ ...honest(), signed_record: 42 as unknown as string }),
      reason: 'malformed',
    },
    {
      case: 'signed window that has ended',
      key: () => publishedKey(privateKey, NODE_ID, node, 'tk-1', { validUntil: '2026-05-31T23:59:59Z' }),
      reason: 'window has ended',
    },
  ])('does not use a key with a $case', ({ key, identityKey, reason }) => {
    // Act
    const verdicts = verifyNodeKeys(
      nodeView(NODE_ID, node, [key()]),
      NODE_ID,
      identityKey === undefined ? node.publicKey : identityKey,
      directory,
      NOW,
    );

    // Assess
    expect(verdicts.trusted).toEqual([]);
    expect(verdicts.rejected).toEqual([{ key_id: 'tk-1', reason: expect.stringContaining(reason) }]);
  });

  it('checks records against the node asked for, not the node the view names', () => {
    // Prepare: an honest record of another node, served as this one's.
    const other = publishedKey(privateKey, 'node-b', node, 'tk-1');

    // Act
    const verdicts = verifyNodeKeys(nodeView(NODE_ID, node, [other]), NODE_ID, node.publicKey, directory, NOW);

    // Assess
    expect(verdicts.trusted).toEqual([]);
  });
});

describe('directoryVouchesFor', () => {
  it('holds only for an identity key that a directory-signed record of the node names', () => {
    const view = nodeView(NODE_ID, node, [honest()]);

    expect(directoryVouchesFor(view, NODE_ID, node.publicKey, directory)).toBe(true);
    expect(directoryVouchesFor(view, NODE_ID, identity().publicKey, directory)).toBe(false);
    expect(
      directoryVouchesFor(
        nodeView(NODE_ID, node, [publishedKey(otherDirectory, NODE_ID, node, 'tk-1')]),
        NODE_ID,
        node.publicKey,
        directory,
      ),
    ).toBe(false);
  });
});

describe('chooseKey', () => {
  it('picks the named key, else the most recently issued one', () => {
    const keys = [
      publishedKey(privateKey, NODE_ID, node, 'tk-old', { issuedAt: '2026-01-01T00:00:00Z' }),
      publishedKey(privateKey, NODE_ID, node, 'tk-new', { issuedAt: '2026-03-01T00:00:00Z' }),
    ];
    const { trusted } = verifyNodeKeys(nodeView(NODE_ID, node, keys), NODE_ID, node.publicKey, directory, NOW);

    expect(chooseKey(trusted, undefined)?.key.key_id).toBe('tk-new');
    expect(chooseKey(trusted, 'tk-old')?.key.key_id).toBe('tk-old');
    expect(chooseKey(trusted, 'tk-none')).toBeUndefined();
  });
});

describe('parseRecord', () => {
  it.each(['', '[]', 'null', '{"type":"other"}', '{"type":"b3iq-node-transport-key-v1"}'])(
    'reports %j as malformed, without throwing',
    (text) => {
      expect(parseRecord(text)).toBeUndefined();
    },
  );
});
