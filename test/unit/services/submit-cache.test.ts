import { describe, expect, it } from 'vitest';
import { FreshFor, MAX_TTL_MS } from '../../../lambdas/services/submit-cache.js';

describe('the submit cache (FreshFor)', () => {
  it('serves an entry until TTL - 1 ms after its read was sent, and reads again at the TTL', () => {
    const cache = new FreshFor<string>(1000);
    cache.put('node-a', 'as read', 5_000);

    expect(cache.get('node-a', 5_000)).toBe('as read');
    expect(cache.get('node-a', 5_999)).toBe('as read');
    expect(cache.get('node-a', 6_000)).toBeUndefined();
    // Expired entries are gone for good, not served again by an earlier clock reading.
    expect(cache.get('node-a', 5_500)).toBeUndefined();
  });

  it('with a TTL of 0 serves nothing', () => {
    const cache = new FreshFor<string>(0);
    cache.put('k', 'v', 10);

    expect(cache.get('k', 10)).toBeUndefined();
  });

  it("refuses a TTL beyond the contract's 2-second bound allows", () => {
    expect(() => new FreshFor<string>(MAX_TTL_MS + 1)).toThrow(/2-second bound/);
    expect(() => new FreshFor<string>(-1)).toThrow();
  });
});
