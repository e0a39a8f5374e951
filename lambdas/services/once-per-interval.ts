/**
 * When a best-effort record is due (a node's `last_seen_at`, a token's `last_used_at`): at most once
 * per key per interval in this Lambda instance, so that a busy key costs one write per interval, not
 * one per call. At most `maxRemembered` keys are remembered; beyond it the oldest are forgotten (and
 * recorded again on their next call).
 */
class OncePerInterval {
  readonly #intervalMs: number;
  readonly #maxRemembered: number;
  readonly #lastMs = new Map<string, number>();

  constructor(intervalMs: number, maxRemembered = 10_000) {
    this.#intervalMs = intervalMs;
    this.#maxRemembered = maxRemembered;
  }

  /** True (and remembered) when `key` was not due within the interval before `nowMs`. */
  due(key: string, nowMs: number): boolean {
    const last = this.#lastMs.get(key);
    if (last !== undefined && nowMs - last < this.#intervalMs) return false;
    // Re-inserted, so that the map's order is oldest first.
    this.#lastMs.delete(key);
    this.#lastMs.set(key, nowMs);
    if (this.#lastMs.size > this.#maxRemembered) this.#lastMs.delete(this.#lastMs.keys().next().value as string);
    return true;
  }
}

export { OncePerInterval };
