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

  it("keeps the original read's instant when the process updates what it wrote itself", () => {
    const cache = new FreshFor<{ version: number }>(1000);
    cache.put('cust-a', { version: 1 }, 0);

    cache.update('cust-a', { version: 2 });
    cache.update('cust-b', { version: 9 });

    expect(cache.get('cust-a', 999)).toEqual({ version: 2 });
    expect(cache.get('cust-a', 1000)).toBeUndefined();
    expect(cache.get('cust-b', 0)).toBeUndefined();
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
