/**
 * Customer and admin tokens: 32 random bytes, base64url, shown once. Only a SHA-256 hash is
 * stored (the token has 256 bits of entropy, so a slow hash would add nothing), and hashes are
 * compared in constant time. A customer may hold several tokens (customer-tokens.ts); each
 * stored hash is kept with its token's id.
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

/** A stored token hash and the id of the token it is the hash of. */
interface TokenHash {
  token_id: string;
  token_hash: string;
}

/**
 * The id of the stored token the presented one is, or `undefined`. Every stored hash is compared,
 * in constant time and without stopping at a match, so the time taken says nothing about which
 * token matched or how many the customer has beyond their number; with none stored, one
 * comparison is made anyway.
 */
function matchingToken(presented: string | undefined, stored: readonly TokenHash[]): string | undefined {
  const actual = Buffer.from(hashToken(presented ?? ''), 'hex');
  let matched: string | undefined;
  for (const candidate of stored.length === 0 ? [{ token_id: '', token_hash: UNMATCHABLE_HASH }] : stored) {
    const expected = Buffer.from(candidate.token_hash, 'hex');
    const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
    if (equal && matched === undefined && stored.length > 0) matched = candidate.token_id;
  }
  return presented === undefined ? undefined : matched;
}

export type { TokenHash };
export { generateToken, hashToken, matchingToken, tokenMatches };
