import { describe, expect, it, vi } from 'vitest';
import { AsyncCache } from '../../../lambdas/adapters/async-cache.js';

/** A loader whose lookups the test settles by hand, in any order. */
function manualLoader() {
  const pending: { key: string; resolve: (value: string) => void; reject: (error: Error) => void }[] = [];
  const load = vi.fn(
    (key: string) =>
      new Promise<string>((resolve, reject) => {
        pending.push({ key, resolve, reject });
      }),
  );
  return { load, pending };
}

describe('AsyncCache', () => {
  it('looks a key up once and answers the remembered value afterwards (cache)', async () => {
    // Prepare
    const load = vi.fn(async (key: string) => `value of ${key}`);
    const cache = new AsyncCache(load);

    // Act
    const first = await cache.get('a', 0);
    const second = await cache.get('a', 10_000_000);

    // Assess
    expect([first, second]).toEqual(['value of a', 'value of a']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('shares one lookup between concurrent first calls (concurrent)', async () => {
    // Prepare
    const { load, pending } = manualLoader();
    const cache = new AsyncCache(load);

    // Act
    const calls = [cache.get('a', 0), cache.get('a', 0), cache.get('a', 1)];
    pending[0]?.resolve('one');

    // Assess
    expect(await Promise.all(calls)).toEqual(['one', 'one', 'one']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('keeps a value for ttlMs, then looks it up again (ttl)', async () => {
    // Prepare
    let version = 0;
    const load = vi.fn(async () => `v${++version}`);
    const cache = new AsyncCache(load, 1_000);

    // Act
    const atStart = await cache.get('a', 5_000);
    const atTtl = await cache.get('a', 6_000);
    const afterTtl = await cache.get('a', 6_001);
    const afterRefresh = await cache.get('a', 6_500);

    // Assess
    expect([atStart, atTtl, afterTtl, afterRefresh]).toEqual(['v1', 'v1', 'v2', 'v2']);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps a value per key (keys)', async () => {
    // Prepare
    const load = vi.fn(async (key: string) => key.toUpperCase());
    const cache = new AsyncCache(load);

    // Act
    const values = await Promise.all([cache.get('a'), cache.get('b'), cache.get('a')]);

    // Assess
    expect(values).toEqual(['A', 'B', 'A']);
    expect(load.mock.calls.map(([key]) => key)).toEqual(['a', 'b']);
  });

  it('forgets a failed lookup, so the next call tries again (failure)', async () => {
    // Prepare
    const load = vi.fn<(key: string) => Promise<string>>();
    load.mockRejectedValueOnce(new Error('throttled')).mockResolvedValueOnce('recovered');
    const cache = new AsyncCache(load);

    // Act
    const failed = cache.get('a', 0);
    await expect(failed).rejects.toThrow('throttled');
    const retried = await cache.get('a', 0);

    // Assess
    expect(retried).toBe('recovered');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not let a stale lookup that fails late evict the newer entry (late failure)', async () => {
    // Prepare: a first lookup still running when the entry expires and a second lookup replaces it.
    const { load, pending } = manualLoader();
    const cache = new AsyncCache(load, 100);
    const stale = cache.get('a', 0);
    const fresh = cache.get('a', 200);
    pending[1]?.resolve('fresh');
    await fresh;

    // Act
    pending[0]?.reject(new Error('late failure'));
    await expect(stale).rejects.toThrow('late failure');
    const again = await cache.get('a', 250);

    // Assess
    expect(again).toBe('fresh');
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('answers a value set by hand without a lookup, for ttlMs (set)', async () => {
    // Prepare
    const load = vi.fn(async () => 'looked up');
    const cache = new AsyncCache(load, 1_000);

    // Act
    cache.set('a', 'known', 0);
    const known = await cache.get('a', 1_000);
    const expired = await cache.get('a', 1_001);

    // Assess
    expect(known).toBe('known');
    expect(expired).toBe('looked up');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('looks a deleted key up again (delete)', async () => {
    // Prepare
    let version = 0;
    const load = vi.fn(async () => `v${++version}`);
    const cache = new AsyncCache(load);
    await cache.get('a');

    // Act
    cache.delete('a');
    const after = await cache.get('a');

    // Assess
    expect(after).toBe('v2');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
