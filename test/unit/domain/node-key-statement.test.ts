import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  encodeBase64url,
  type NodeKeyClaim,
  nodeKeyStatement,
  signNodeKeyStatement,
  verifiesNodeKeyStatement,
} from '../../../packages/protocol/src/index.js';

const identitySecret = new Uint8Array(32).fill(7);
const identityPublic = encodeBase64url(ed25519.getPublicKey(identitySecret));
const claim: NodeKeyClaim = {
  node_id: 'node-a',
  key_id: 'tk-1',
  public_key_x25519: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo',
  valid_until: null,
};

describe('the node key statement', () => {
  it('is the compact JSON the contract spells out, fields in its order', () => {
    expect(nodeKeyStatement(claim)).toBe(
      '{"type":"b3iq-node-key-statement-v1","node_id":"node-a","key_id":"tk-1",' +
        '"public_key_x25519":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo","valid_until":null}',
    );
    expect(nodeKeyStatement({ ...claim, valid_until: '2027-01-01T00:00:00Z' })).toContain('"valid_until":"2027-01-01T00:00:00Z"}');
  });

  it('verifies with the identity key that signed it', () => {
    expect(verifiesNodeKeyStatement(identityPublic, claim, signNodeKeyStatement(identitySecret, claim))).toBe(true);
  });

  it.each<[string, Partial<NodeKeyClaim>]>([
    ['another node', { node_id: 'node-b' }],
    ['another key id', { key_id: 'tk-2' }],
    ['another public key', { public_key_x25519: encodeBase64url(new Uint8Array(32).fill(9)) }],
    ['another window', { valid_until: '2027-01-01T00:00:00Z' }],
  ])('does not verify for %s', (_, change) => {
    const signature = signNodeKeyStatement(identitySecret, claim);
    expect(verifiesNodeKeyStatement(identityPublic, { ...claim, ...change }, signature)).toBe(false);
  });

  it.each<[string, string, unknown]>([
    ['another identity key', encodeBase64url(ed25519.getPublicKey(new Uint8Array(32).fill(8))), undefined],
    ['a missing signature', identityPublic, null],
    ['a signature that is not base64url', identityPublic, '!'.repeat(86)],
    ['a signature of the wrong length', identityPublic, encodeBase64url(new Uint8Array(63))],
    ['an identity key of the wrong length', encodeBase64url(new Uint8Array(31)), undefined],
  ])('refuses %s', (_, publicKey, signature) => {
    const used = signature === undefined ? signNodeKeyStatement(identitySecret, claim) : signature;
    expect(verifiesNodeKeyStatement(publicKey, claim, used)).toBe(false);
  });
});
