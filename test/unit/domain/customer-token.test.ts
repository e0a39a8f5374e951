import { createHash } from 'node:crypto';
import { decodeBase64url } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, tokenMatches } from '../../../lambdas/domain/customer-token.js';

describe('generateToken', () => {
  it('makes a 43-char canonical base64url token of 32 bytes (format)', () => {
    // Act
    const token = generateToken();

    // Assess
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(decodeBase64url(token)).toHaveLength(32);
  });

  it('makes a different token each time (randomness)', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => generateToken()));
    expect(tokens.size).toBe(50);
  });
});

describe('hashToken', () => {
  it('is the lowercase hex SHA-256 of the token (format)', () => {
    // Prepare
    const token = generateToken();

    // Act
    const hash = hashToken(token);

    // Assess
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
  });

  it('matches the published SHA-256 test vector (FIPS 180-2, "abc")', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('tokenMatches', () => {
  const token = generateToken();
  const hash = hashToken(token);

  it.each([
    { case: 'right token', presented: token, stored: hash, expected: true },
    { case: 'wrong token', presented: generateToken(), stored: hash, expected: false },
    {
      case: 'token with one char changed',
      presented: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      stored: hash,
      expected: false,
    },
    { case: 'undefined token', presented: undefined, stored: hash, expected: false },
    { case: 'undefined token against the hash of ""', presented: undefined, stored: hashToken(''), expected: false },
    { case: 'undefined hash', presented: token, stored: undefined, expected: false },
    { case: 'both undefined', presented: undefined, stored: undefined, expected: false },
    { case: 'the hash presented as the token', presented: hash, stored: hash, expected: false },
    { case: 'malformed stored hash', presented: token, stored: 'not-hex', expected: false },
  ])('answers whether the presented token has the stored hash ($case)', ({ presented, stored, expected }) => {
    expect(tokenMatches(presented, stored)).toBe(expected);
  });
});
