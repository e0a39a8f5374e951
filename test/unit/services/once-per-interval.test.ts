import { describe, expect, it } from 'vitest';
import { OncePerInterval } from '../../../lambdas/services/once-per-interval.js';

describe('OncePerInterval (best-effort records at most once per key per interval)', () => {
  it('lets a key through once per interval, each key on its own', () => {
    const writes = new OncePerInterval(1_000);

    expect([writes.due('a', 0), writes.due('a', 999), writes.due('b', 999), writes.due('a', 1_000), writes.due('a', 1_500)]).toEqual([
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it('forgets the oldest key beyond the remembered bound, which is then due again', () => {
    const writes = new OncePerInterval(1_000, 2);
    writes.due('a', 0);
    writes.due('b', 1);

    writes.due('c', 2);

    expect(writes.due('b', 3)).toBe(false);
    expect(writes.due('a', 4)).toBe(true);
  });
});
