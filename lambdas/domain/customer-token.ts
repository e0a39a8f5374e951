/**
 * Customer and admin tokens: 32 random bytes, base64url, shown once. Only a SHA-256 hash is
 * stored (the token has 256 bits of entropy, so a slow hash would add nothing), and hashes are
 * compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A hash that no token has, compared against when the caller is unknown, so timing is the same. */
const UNMATCHABLE_HASH = '0'.repeat(64);

/** Constant-time check of a presented token against a stored hash; absent values are compared anyway. */
function tokenMatches(presented: string | undefined, storedHash: string | undefined): boolean {
  const expected = Buffer.from(storedHash ?? UNMATCHABLE_HASH, 'hex');
  const actual = Buffer.from(hashToken(presented ?? ''), 'hex');
  const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
  return equal && presented !== undefined && storedHash !== undefined;
}

export { generateToken, hashToken, tokenMatches };
