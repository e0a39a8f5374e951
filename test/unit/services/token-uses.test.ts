import { describe, expect, it } from 'vitest';
import { RECORD_INTERVAL_MS, TokenUses } from '../../../lambdas/services/token-uses.js';

describe('TokenUses (last_used_at without a write per request)', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

  it('records a token at its first use, then again only once the interval has passed (per token)', () => {
    // Prepare
    const written: string[] = [];
    const uses = new TokenUses(async (customerId, tokenId, when) => {
      written.push(`${customerId}/${tokenId}@${when}`);
    });

    // Act
    uses.noteUse('acme', 'tok-a', at(0));
    uses.noteUse('acme', 'tok-a', at(RECORD_INTERVAL_MS - 1));
    uses.noteUse('acme', 'tok-b', at(1));
    uses.noteUse('acme', 'tok-a', at(RECORD_INTERVAL_MS));

    // Assess
    expect(written).toEqual([
      `acme/tok-a@${at(0).toISOString()}`,
      `acme/tok-b@${at(1).toISOString()}`,
      `acme/tok-a@${at(RECORD_INTERVAL_MS).toISOString()}`,
    ]);
  });

  it('never fails the request when the write fails', async () => {
    const uses = new TokenUses(() => Promise.reject(new Error('DynamoDB is down')));

    expect(() => uses.noteUse('acme', 'tok-a', at(0))).not.toThrow();
    // The rejection is handled (an unhandled one would fail the run).
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('records nothing without a writer (a function that may not write the table)', () => {
    expect(() => new TokenUses().noteUse('acme', 'tok-a', at(0))).not.toThrow();
  });
});
