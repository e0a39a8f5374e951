/**
 * Admin endpoints of customer tokens (domain/customer-tokens.ts): make a named one (shown once,
 * only its hash kept), list them, revoke one. A revoked token is refused at once by every
 * request that reads the customer, and by job submission once its submit cache entry (at most
 * 1 s old) is read again: inside the contract's 2-second bound.
 * Order of checks: admin credentials, then the body, then the customer and the token.
 */
import { isId, type TokenCreated, type TokenList, type TokenView } from '@b3iq/protocol';
import { generateToken, hashToken } from '../domain/customer-token.js';
import {
  newTokenId,
  parseTokenName,
  planNewToken,
  planRevocation,
  type StoredTokens,
  tokenListing,
  tokenView,
} from '../domain/customer-tokens.js';
import { Problem } from '../domain/problems.js';
import { type AdminCall, admitAdmin } from './admin.js';
import type { ControlPlane } from './control-plane.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

type CustomerCall = AdminCall & { customerId: string | undefined };

async function readCustomerTokens(plane: ControlPlane, customerId: string | undefined): Promise<StoredTokens> {
  const stored = isId('customer_id', customerId) ? await plane.store.readTokens(customerId) : undefined;
  if (stored === undefined) throw new Problem('customer_not_found', 'no such customer');
  return stored;
}

/** `POST /v1/admin/customers/{customer_id}/tokens`: a new token, answered here once. */
async function createCustomerToken(plane: ControlPlane, call: CustomerCall): Promise<TokenCreated> {
  await admitAdmin(plane, call);
  const name = parseTokenName(call.readBody());
  const token = generateToken();
  const tokenId = newTokenId();
  return retryOnConflict(async () => {
    const stored = await readCustomerTokens(plane, call.customerId);
    const createdAt = plane.now().toISOString();
    const change = planNewToken(stored, { token_id: tokenId, token_hash: hashToken(token), name }, createdAt);
    if ((await plane.store.writeTokens(change)) === 'conflict') return RETRY.afterPause;
    return done({ token_id: tokenId, name, customer_token: token, created_at: createdAt });
  });
}

/** `GET /v1/admin/customers/{customer_id}/tokens`: every token, revoked ones too, without a token or hash. */
async function listCustomerTokens(plane: ControlPlane, call: CustomerCall): Promise<TokenList> {
  await admitAdmin(plane, call);
  return { tokens: tokenListing(await readCustomerTokens(plane, call.customerId)).map(tokenView) };
}

/** `DELETE /v1/admin/customers/{customer_id}/tokens/{token_id}`: the token's entry, revoked (again: the same answer). */
async function revokeCustomerToken(plane: ControlPlane, call: CustomerCall & { tokenId: string | undefined }): Promise<TokenView> {
  await admitAdmin(plane, call);
  return retryOnConflict(async () => {
    const stored = await readCustomerTokens(plane, call.customerId);
    const revocation = planRevocation(stored, call.tokenId, plane.now().toISOString());
    if (revocation.type === 'already_revoked') return done(tokenView(revocation.entry));
    if ((await plane.store.writeTokens(revocation.change)) === 'conflict') return RETRY.afterPause;
    return done(tokenView(revocation.entry));
  });
}

export { createCustomerToken, listCustomerTokens, revokeCustomerToken };
