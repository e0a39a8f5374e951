/**
 * `last_used_at` of a customer token, recorded without a write per request: at most once per
 * token per RECORD_INTERVAL_MS in each Lambda instance, when the customer's item is read for a
 * request (a submit served from the submit cache reads nothing and records nothing; its cache
 * refresh does). Best effort: the write is not awaited, and its failure is logged and never fails
 * the request. So `last_used_at` may trail the latest use by up to the interval (per instance).
 */
import { describeError, logger } from '../observability/logger.js';
import { OncePerInterval } from './once-per-interval.js';

/** How often one instance records the use of one token. */
const RECORD_INTERVAL_MS = 5 * 60_000;

type RecordUse = (customerId: string, tokenId: string, at: string) => Promise<void>;

class TokenUses {
  readonly #record: RecordUse | undefined;
  readonly #writes = new OncePerInterval(RECORD_INTERVAL_MS);

  /** `record` writes a use; without it (a function that may not write) nothing is recorded. */
  constructor(record?: RecordUse) {
    this.#record = record;
  }

  /** Notes that the token authenticated a request at `now`; writes it if this instance has not for RECORD_INTERVAL_MS. */
  noteUse(customerId: string, tokenId: string, now: Date): void {
    const record = this.#record;
    if (record === undefined) return;
    if (!this.#writes.due(`${customerId}#${tokenId}`, now.getTime())) return;
    record(customerId, tokenId, now.toISOString()).catch((error: unknown) => {
      logger.warn('token use not recorded', { customer_id: customerId, token_id: tokenId, ...describeError(error) });
    });
  }
}

export { RECORD_INTERVAL_MS, TokenUses };
