/**
 * What `POST /v1/private-inference/jobs` may take from memory instead of reading: the customer as
 * last read (their identity and token hash) and the node it names, each for at most `ttlMs` after the read
 * that fetched it *began*. Only submit uses it; every other request reads fresh.
 *
 * Why 1 second by default: the contract lets a node or token change take up to 2 seconds to reach
 * submit. An entry is stamped with the instant its read was sent, so a change answered after that
 * instant is missed for at most `ttlMs`, whatever the read's own latency; the request that used
 * the entry then commits within one transaction's time (the DynamoDB client's request timeout,
 * about 1 second at worst, a few tens of ms normally). 1 s + 1 s stays inside the 2-second bound.
 *
 * The clock is the caller's: every call passes `nowMs`, so tests move time without waiting.
 */

/** Entries beyond this are dropped oldest first: a Lambda instance serves a bounded set of customers and nodes. */
const MAX_ENTRIES = 10_000;

/** The most a deployment may configure: beyond it the 2-second bound of the contract no longer holds. */
const MAX_TTL_MS = 1000;

class FreshFor<V> {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { value: V; readAtMs: number }>();

  constructor(ttlMs: number) {
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) {
      throw new Error(`a submit cache entry lives 0..${MAX_TTL_MS} ms (the contract's 2-second bound), not ${ttlMs}`);
    }
    this.#ttlMs = ttlMs;
  }

  /** The value read at most `ttlMs` before `nowMs`, if any. */
  get(key: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (nowMs - entry.readAtMs < this.#ttlMs) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Keeps `value`, read by a call sent at `readAtMs`. */
  put(key: string, value: V, readAtMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, readAtMs });
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}

export { FreshFor, MAX_TTL_MS };
