/**
 * Who is calling: customer credentials checked against the stored token hash in constant time
 * (the same answer for an unknown id and a wrong token), then the customer's rate limit.
 */
import type { Customer } from '../domain/account.js';
import { tokenMatches } from '../domain/customer-token.js';
import { isId } from '../domain/ids.js';
import { Problem } from '../domain/problems.js';
import type { CustomerRateLimiter } from '../domain/rate-limit.js';
import type { HttpRequest } from '../http/request.js';

interface CustomerCredentials {
  /** The presented id when it is a well-formed customer id, else `undefined`. */
  customerId: string | undefined;
  token: string | undefined;
}

function customerCredentials(request: HttpRequest): CustomerCredentials {
  const id = request.headers['x-b3iq-customer-id'];
  return { customerId: isId('customer_id', id) ? id : undefined, token: request.headers['x-b3iq-customer-token'] };
}

const unauthorized = () =>
  new Problem('unauthorized', 'send a valid X-B3IQ-Customer-ID and X-B3IQ-Customer-Token');

/** The authenticated customer, or 401; then 429 when the customer is over their rate limit. */
function admitCustomer(
  credentials: CustomerCredentials,
  stored: Customer | undefined,
  limiter: CustomerRateLimiter,
  nowMs: number,
): Customer {
  if (!tokenMatches(credentials.token, stored?.token_hash) || stored === undefined) throw unauthorized();
  if (!limiter.tryTake(stored.account.customer_id, nowMs)) {
    throw new Problem('rate_limited', 'too many requests for this customer; slow down and retry');
  }
  return stored;
}

export { admitCustomer, customerCredentials, unauthorized };
export type { CustomerCredentials };
