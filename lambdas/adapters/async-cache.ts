/**
 * Remembers the promise of a slow lookup per key, for at most `ttlMs`. Concurrent first calls
 * share one lookup, and a failed lookup is forgotten so that the next call tries again.
 */
class AsyncCache<K, V> {
  readonly #load: (key: K) => Promise<V>;
  readonly #ttlMs: number;
  readonly #entries = new Map<K, { value: Promise<V>; at: number }>();

  constructor(load: (key: K) => Promise<V>, ttlMs = Number.POSITIVE_INFINITY) {
    this.#load = load;
    this.#ttlMs = ttlMs;
  }

  get(key: K, now = Date.now()): Promise<V> {
    const cached = this.#entries.get(key);
    if (cached !== undefined && now - cached.at <= this.#ttlMs) return cached.value;
    const value = this.#load(key);
    const entry = { value, at: now };
    this.#entries.set(key, entry);
    value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return value;
  }

  set(key: K, value: V, now = Date.now()): void {
    this.#entries.set(key, { value: Promise.resolve(value), at: now });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }
}

export { AsyncCache };
