/**
 * Who is calling: customer credentials checked against the stored hashes of the customer's
 * unrevoked tokens in constant time (the same answer for an unknown id, a wrong token and a
 * revoked one), then the customer's rate limit.
 */
import type { Customer } from '../domain/account.js';
import { matchingToken } from '../domain/customer-token.js';
import type { Job, JobEnvelopes } from '../domain/job.js';
import { Problem } from '../domain/problems.js';
import type { CustomerRateLimiter } from '../domain/rate-limit.js';
import type { ControlPlane } from './control-plane.js';
import type { Snapshot } from './ports/store.js';

interface CustomerCredentials {
  /** The presented id when it is a well-formed customer id, else `undefined`. */
  customerId: string | undefined;
  token: string | undefined;
  /** The caller's IP address, which failed checks are counted against; `undefined` outside API Gateway. */
  sourceAddress?: string | undefined;
}

const unauthorized = () => new Problem('unauthorized', 'send a valid X-B3IQ-Customer-ID and X-B3IQ-Customer-Token');

/**
 * The authenticated customer and which of their tokens was presented, or 401 (the same for an
 * unknown customer, a wrong token and a revoked one; 429 once the source address failed too
 * often: guessing tokens is slowed like any other flood); then 429 when the customer is over
 * their rate limit.
 */
function admitCustomer(
  credentials: CustomerCredentials,
  stored: Customer | undefined,
  limiters: { customer: CustomerRateLimiter | undefined; failedCredentials: CustomerRateLimiter },
  nowMs: number,
): { customer: Customer; tokenId: string } {
  const tokenId = matchingToken(credentials.token, stored?.tokens ?? []);
  if (tokenId === undefined || stored === undefined) {
    const { sourceAddress } = credentials;
    if (sourceAddress !== undefined && !limiters.failedCredentials.tryTake(sourceAddress, nowMs)) {
      throw new Problem('rate_limited', 'too many failed credential checks from this address; slow down and retry');
    }
    throw unauthorized();
  }
  const limiter = limiters.customer;
  if (limiter !== undefined && !limiter.tryTake(stored.customer_id, nowMs)) {
    throw new Problem('rate_limited', 'too many requests for this customer; slow down and retry');
  }
  return { customer: stored, tokenId };
}

/**
 * Authenticates the caller, then reads what the request names: nothing but the customer's own
 * item is read before the token matched. `rateLimit: false` for a second read within a request
 * that was already counted. The token's use is noted (token-uses.ts: at most one write per token
 * per few minutes, not awaited).
 */
async function readAsCustomer(
  plane: ControlPlane,
  credentials: CustomerCredentials,
  names: { nodeId?: string | undefined; jobId?: string | undefined } = {},
  { rateLimit = true }: { rateLimit?: boolean } = {},
): Promise<Snapshot & { customer: Customer }> {
  const { customerId } = credentials;
  const stored = customerId === undefined ? undefined : (await plane.store.read({ customerId })).customer;
  const limiters = { customer: rateLimit ? plane.rateLimiter : undefined, failedCredentials: plane.failedCredentialsLimiter };
  const { customer, tokenId } = admitCustomer(credentials, stored, limiters, Date.now());
  plane.tokenUses.noteUse(customer.customer_id, tokenId, plane.now());
  if (names.nodeId === undefined && names.jobId === undefined) return { customer };
  const named = await plane.store.read({
    customerId: customer.customer_id,
    withCustomer: false,
    ...(names.nodeId === undefined ? {} : { nodeId: names.nodeId }),
    ...(names.jobId === undefined ? {} : { jobId: names.jobId }),
  });
  return { ...named, customer };
}

/**
 * The job with its envelopes, read once the credentials are accepted. `checkBody` runs after the
 * credentials and before the job is looked at (the contract's order); 404 if the job is not the
 * caller's (or `jobId` names none).
 */
async function readJobAsCustomer(
  plane: ControlPlane,
  credentials: CustomerCredentials,
  jobId: string | undefined,
  checkBody: () => void = () => {},
): Promise<{ customer: Customer; job: Job; envelopes: JobEnvelopes }> {
  const { customer } = await readAsCustomer(plane, credentials);
  checkBody();
  const found = jobId === undefined ? undefined : await plane.store.getJobWithEnvelopes(customer.customer_id, jobId);
  if (found === undefined) throw new Problem('job_not_found', 'no such job for this customer');
  return { customer, ...found };
}

export type { CustomerCredentials };
export { admitCustomer, readAsCustomer, readJobAsCustomer, unauthorized };
