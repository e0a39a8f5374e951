/**
 * Per-customer token buckets: `burst` requests at once, refilled at `perSecond`. Each Lambda
 * instance keeps its own buckets (no AWS call per request); the API stage's throttling caps the
 * total. Buckets of idle customers are dropped so memory stays bounded.
 */

interface RateLimit {
  perSecond: number;
  burst: number;
}

const MAX_TRACKED = 10_000;

class CustomerRateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(limit: RateLimit) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
    this.#limit = limit;
  }

  /** Takes one request from the customer's bucket; `false` when it is empty. */
  tryTake(customerId: string, nowMs: number): boolean {
    const { perSecond, burst } = this.#limit;
    const bucket = this.#buckets.get(customerId);
    const refilled = bucket === undefined ? burst : Math.min(burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond);
    if (refilled < 1) {
      this.#buckets.set(customerId, { tokens: refilled, at: nowMs });
      return false;
    }
    if (bucket === undefined && this.#buckets.size >= MAX_TRACKED) this.#dropFullBuckets(nowMs);
    this.#buckets.set(customerId, { tokens: refilled - 1, at: nowMs });
    return true;
  }

  #dropFullBuckets(nowMs: number): void {
    const { perSecond, burst } = this.#limit;
    for (const [id, bucket] of this.#buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond >= burst) this.#buckets.delete(id);
    }
  }
}

export type { RateLimit };
export { CustomerRateLimiter };
