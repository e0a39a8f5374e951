import { describe, expect, it } from 'vitest';
import { generateToken, hashToken, matchingToken } from '../../../lambdas/domain/customer-token.js';
import {
  type CustomerToken,
  LEGACY_TOKEN_ID,
  MAX_ACTIVE_TOKENS,
  parseTokenName,
  planNewToken,
  planRevocation,
  type StoredTokens,
  tokenListing,
} from '../../../lambdas/domain/customer-tokens.js';
import { problemOf } from '../support/problem.js';

const expectProblem = (action: () => unknown, code: string) => expect(problemOf(action).code).toBe(code);

const entry = (token_id: string, created_at: string, revoked_at: string | null = null): CustomerToken => ({
  token_id,
  name: token_id,
  created_at,
  last_used_at: null,
  revoked_at,
});

/** A customer with these unrevoked tokens' hashes, and these listing entries. */
function stored(tokens: string[], listed: StoredTokens['listed'], tokenSequence = 3): StoredTokens {
  return {
    customer: { customer_id: 'acme', tokens: tokens.map((token_id) => ({ token_id, token_hash: hashToken(token_id) })) },
    tokenSequence,
    customerCreatedAt: '2026-01-01T00:00:00.000Z',
    listed,
  };
}

describe('parseTokenName', () => {
  it.each([
    { case: 'a plain name', name: 'laptop' },
    { case: 'one character', name: 'x' },
    { case: '64 characters', name: 'x'.repeat(64) },
    { case: '64 astral characters (counted as code points)', name: '🔑'.repeat(64) },
    { case: 'inner spaces and punctuation', name: 'CI runner #2 (prod)' },
    { case: 'non-Latin letters', name: 'Ноутбук 東京' },
  ])('accepts $case', ({ name }) => {
    expect(parseTokenName({ name })).toBe(name);
  });

  it.each([
    { case: 'an empty name', body: { name: '' } },
    { case: 'only spaces', body: { name: '   ' } },
    { case: 'only a tab', body: { name: '\t' } },
    { case: '65 characters', body: { name: 'x'.repeat(65) } },
    { case: 'a newline', body: { name: 'a\nb' } },
    { case: 'a NUL', body: { name: 'a\u0000b' } },
    { case: 'an escape (terminal control)', body: { name: 'a\u001b[31mb' } },
    { case: 'DEL', body: { name: 'a\u007fb' } },
    { case: 'a C1 control', body: { name: 'a\u009bb' } },
    { case: 'a number', body: { name: 7 } },
    { case: 'null', body: { name: null } },
    { case: 'no name', body: {} },
    { case: 'an unknown field', body: { name: 'ok', token: 'x' } },
    { case: 'an array body', body: ['laptop'] },
  ])('refuses $case with 400 invalid_request', ({ body }) => {
    expectProblem(() => parseTokenName(body), 'invalid_request');
  });
});

describe('matchingToken', () => {
  const tokens = ['tok-a', 'tok-b', 'tok-c'].map((token_id) => ({ token_id, token: generateToken() }));
  const hashes = tokens.map(({ token_id, token }) => ({ token_id, token_hash: hashToken(token) }));

  it.each(tokens)('finds $token_id among several', ({ token_id, token }) => {
    expect(matchingToken(token, hashes)).toBe(token_id);
  });

  it.each([
    { case: 'a wrong token', presented: generateToken(), stored: hashes },
    { case: 'no token', presented: undefined, stored: hashes },
    { case: 'a customer without tokens', presented: tokens[0]!.token, stored: [] },
  ])('matches nothing for $case', ({ presented, stored: storedHashes }) => {
    expect(matchingToken(presented, storedHashes)).toBeUndefined();
  });
});

describe('tokenListing', () => {
  it('lists the entries oldest first, and a bare hash (a customer from before token ids) as "initial" from the customer\'s creation', () => {
    const listing = tokenListing(
      stored(
        [LEGACY_TOKEN_ID, 'tok-b'],
        [entry('tok-b', '2026-03-01T00:00:00.000Z'), entry('tok-old', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z')],
      ),
    );

    expect(listing).toEqual([
      { token_id: LEGACY_TOKEN_ID, name: 'initial', created_at: '2026-01-01T00:00:00.000Z', last_used_at: null, revoked_at: null },
      entry('tok-old', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z'),
      entry('tok-b', '2026-03-01T00:00:00.000Z'),
    ]);
  });

  it('completes an entry that only a recorded use wrote', () => {
    const listing = tokenListing(
      stored(
        [LEGACY_TOKEN_ID],
        [{ token_id: LEGACY_TOKEN_ID, name: null, created_at: null, last_used_at: '2026-04-01T00:00:00.000Z', revoked_at: null }],
      ),
    );

    expect(listing).toEqual([
      {
        token_id: LEGACY_TOKEN_ID,
        name: 'initial',
        created_at: '2026-01-01T00:00:00.000Z',
        last_used_at: '2026-04-01T00:00:00.000Z',
        revoked_at: null,
      },
    ]);
  });
});

describe('planNewToken', () => {
  const now = '2026-05-01T00:00:00.000Z';

  it('adds the hash and its entry, on the sequence as read, and writes the entry of a bare hash with it', () => {
    const change = planNewToken(stored([LEGACY_TOKEN_ID], []), { token_id: 'tok-new', token_hash: 'h', name: 'new' }, now);

    expect(change).toEqual({
      customerId: 'acme',
      tokenSequence: 3,
      tokens: [
        { token_id: LEGACY_TOKEN_ID, token_hash: hashToken(LEGACY_TOKEN_ID) },
        { token_id: 'tok-new', token_hash: 'h' },
      ],
      entries: [
        { token_id: LEGACY_TOKEN_ID, name: 'initial', created_at: '2026-01-01T00:00:00.000Z', last_used_at: null, revoked_at: null },
        { token_id: 'tok-new', name: 'new', created_at: now, last_used_at: null, revoked_at: null },
      ],
    });
  });

  it(`refuses a token beyond ${MAX_ACTIVE_TOKENS} unrevoked ones, however many are revoked`, () => {
    const ids = Array.from({ length: MAX_ACTIVE_TOKENS }, (_, index) => `tok-${index}`);
    const full = stored(ids, [...ids.map((id) => entry(id, now)), entry('tok-revoked', now, now)]);
    const roomy = stored(ids.slice(1), [...ids.slice(1).map((id) => entry(id, now)), entry(ids[0]!, now, now)]);

    expectProblem(() => planNewToken(full, { token_id: 'tok-x', token_hash: 'h', name: 'x' }, now), 'invalid_request');
    expect(planNewToken(roomy, { token_id: 'tok-x', token_hash: 'h', name: 'x' }, now).tokens).toHaveLength(MAX_ACTIVE_TOKENS);
  });
});

describe('planRevocation', () => {
  const now = '2026-05-01T00:00:00.000Z';

  it("removes the token's hash and dates its entry; the other tokens stay", () => {
    const revocation = planRevocation(stored(['tok-a', 'tok-b'], [entry('tok-a', now), entry('tok-b', now)]), 'tok-a', now);

    expect(revocation).toEqual({
      type: 'change',
      entry: { ...entry('tok-a', now), revoked_at: now },
      change: {
        customerId: 'acme',
        tokenSequence: 3,
        tokens: [{ token_id: 'tok-b', token_hash: hashToken('tok-b') }],
        entries: [{ ...entry('tok-a', now), revoked_at: now }],
      },
    });
  });

  it('revokes a bare hash (a customer from before token ids) and writes its entry', () => {
    const revocation = planRevocation(stored([LEGACY_TOKEN_ID], []), LEGACY_TOKEN_ID, now);

    expect(revocation.type === 'change' && revocation.change.tokens).toEqual([]);
    expect(revocation.entry).toEqual({
      token_id: LEGACY_TOKEN_ID,
      name: 'initial',
      created_at: '2026-01-01T00:00:00.000Z',
      last_used_at: null,
      revoked_at: now,
    });
  });

  it('answers an already revoked token as it stands, with nothing to write', () => {
    const revoked = entry('tok-a', '2026-01-05T00:00:00.000Z', '2026-01-06T00:00:00.000Z');

    expect(planRevocation(stored([], [revoked]), 'tok-a', now)).toEqual({ type: 'already_revoked', entry: revoked });
  });

  it.each([
    { case: 'an unknown id', tokenId: 'tok-unknown' },
    { case: 'no id (one that broke its pattern)', tokenId: undefined },
  ])('refuses $case with 404 token_not_found', ({ tokenId }) => {
    expectProblem(() => planRevocation(stored(['tok-a'], [entry('tok-a', now)]), tokenId, now), 'token_not_found');
  });
});
