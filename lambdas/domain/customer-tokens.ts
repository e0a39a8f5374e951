/**
 * A customer's tokens: several named ones, each listed with when it was made, last used and
 * revoked, and rotated by making a new one, switching to it and revoking the old. The hashes of
 * the unrevoked tokens live on the customer (account.ts), so the one read that authenticates a
 * request still authenticates; each token also has a listing entry. Creating and revoking change
 * both at once.
 *
 * A customer made before tokens had ids holds one bare hash: it is the token `tok-initial`
 * (LEGACY_TOKEN_ID), named "initial" and dated from the customer's creation, until the first
 * change of the customer's tokens writes its entry.
 */
import { randomUUID } from 'node:crypto';
import { CREATE_TOKEN, patternOf, TOKEN_NAME, type TokenView } from '@b3iq/protocol';
import type { Customer } from './account.js';
import type { TokenHash } from './customer-token.js';
import { closedObject } from './json-object.js';
import { Problem } from './problems.js';

/** Unrevoked tokens a customer may hold at once: enough to rotate across several clients, few enough to audit. */
const MAX_ACTIVE_TOKENS = 20;

/** The name of the token `POST /v1/admin/customers` answers (and of a pre-token-id customer's one token). */
const FIRST_TOKEN_NAME = 'initial';

/** The id of the one token of a customer stored before tokens had ids. */
const LEGACY_TOKEN_ID = 'tok-initial';

/** A token's listing entry: never the token or its hash. */
interface CustomerToken {
  token_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A listing entry as stored: a use recorded before the entry was written leaves only `last_used_at`. */
interface ListedToken {
  token_id: string;
  name: string | null;
  created_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** What is stored of a customer's tokens, read for a change or a listing. */
interface StoredTokens {
  customer: Customer;
  /** How many token changes the customer has had: a change is written only if it is still this. */
  tokenSequence: number;
  /** When the customer was created (the date of a pre-token-id customer's one token). */
  customerCreatedAt: string;
  listed: ListedToken[];
}

/** One change of a customer's tokens: the new set of hashes, and the listing entries to write. */
interface TokenChange {
  customerId: string;
  /** The sequence as read. */
  tokenSequence: number;
  tokens: TokenHash[];
  entries: CustomerToken[];
}

const newTokenId = (): string => `tok-${randomUUID()}`;

const NAME_PATTERN = patternOf(TOKEN_NAME);

/** The `name` of a token request body, or 400 `invalid_request` saying what a name may be. */
function parseTokenName(body: unknown): string {
  const fields = closedObject(body, CREATE_TOKEN);
  const { name } = fields;
  const length = typeof name === 'string' ? [...name].length : 0;
  if (typeof name !== 'string' || length < TOKEN_NAME.minLength || length > TOKEN_NAME.maxLength || !NAME_PATTERN.test(name)) {
    throw new Problem(
      'invalid_request',
      `"name" must be a string of ${TOKEN_NAME.minLength} to ${TOKEN_NAME.maxLength} characters, not only spaces, without control characters`,
    );
  }
  return name;
}

/**
 * Every token of the customer, oldest first: the stored entries, completed for the pre-token-id
 * token, and an entry for each stored hash that has none yet.
 */
function tokenListing(stored: StoredTokens): CustomerToken[] {
  const byId = new Map<string, CustomerToken>();
  const legacy = { name: FIRST_TOKEN_NAME, created_at: stored.customerCreatedAt };
  for (const entry of stored.listed) {
    byId.set(entry.token_id, { ...entry, name: entry.name ?? legacy.name, created_at: entry.created_at ?? legacy.created_at });
  }
  for (const { token_id } of stored.customer.tokens) {
    if (!byId.has(token_id)) byId.set(token_id, { token_id, ...legacy, last_used_at: null, revoked_at: null });
  }
  return [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.token_id.localeCompare(b.token_id));
}

/** Entries the listing had to complete: written with the next change, so that they stand on their own. */
function incompleteEntries(stored: StoredTokens, listing: CustomerToken[]): CustomerToken[] {
  const complete = new Set(
    stored.listed.filter((entry) => entry.name !== null && entry.created_at !== null).map((entry) => entry.token_id),
  );
  return listing.filter((entry) => !complete.has(entry.token_id));
}

/** A new token with this hash; 400 `invalid_request` when the customer already holds MAX_ACTIVE_TOKENS unrevoked ones. */
function planNewToken(stored: StoredTokens, token: { token_id: string; token_hash: string; name: string }, now: string): TokenChange {
  const { customer } = stored;
  if (customer.tokens.length >= MAX_ACTIVE_TOKENS) {
    throw new Problem('invalid_request', `a customer holds at most ${MAX_ACTIVE_TOKENS} unrevoked tokens: revoke one first`);
  }
  const entry: CustomerToken = { token_id: token.token_id, name: token.name, created_at: now, last_used_at: null, revoked_at: null };
  return {
    customerId: customer.customer_id,
    tokenSequence: stored.tokenSequence,
    tokens: [...customer.tokens, { token_id: token.token_id, token_hash: token.token_hash }],
    entries: [...incompleteEntries(stored, tokenListing(stored)), entry],
  };
}

type Revocation = { type: 'change'; change: TokenChange; entry: CustomerToken } | { type: 'already_revoked'; entry: CustomerToken };

/** Revokes the token: its hash leaves the customer, its entry says when. 404 `token_not_found` for an id the customer has not. */
function planRevocation(stored: StoredTokens, tokenId: string | undefined, now: string): Revocation {
  const listing = tokenListing(stored);
  const found = listing.find((entry) => entry.token_id === tokenId);
  if (found === undefined) throw new Problem('token_not_found', 'no such token for this customer');
  if (found.revoked_at !== null) return { type: 'already_revoked', entry: found };
  const entry = { ...found, revoked_at: now };
  const others = incompleteEntries(stored, listing).filter((other) => other.token_id !== found.token_id);
  return {
    type: 'change',
    change: {
      customerId: stored.customer.customer_id,
      tokenSequence: stored.tokenSequence,
      tokens: stored.customer.tokens.filter((hash) => hash.token_id !== found.token_id),
      entries: [...others, entry],
    },
    entry,
  };
}

/** The listing entry as the admin API shows it. */
function tokenView(token: CustomerToken): TokenView {
  return {
    token_id: token.token_id,
    name: token.name,
    created_at: token.created_at,
    last_used_at: token.last_used_at,
    revoked_at: token.revoked_at,
  };
}

export type { CustomerToken, ListedToken, Revocation, StoredTokens, TokenChange };
export {
  FIRST_TOKEN_NAME,
  LEGACY_TOKEN_ID,
  MAX_ACTIVE_TOKENS,
  newTokenId,
  parseTokenName,
  planNewToken,
  planRevocation,
  tokenListing,
  tokenView,
};
