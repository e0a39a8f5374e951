/**
 * The randomized lifecycle test under DynamoDB's conflict rules: the scenarios and invariants of
 * lifecycle-random.test.ts, unchanged, with every DynamoDB call of its in-process handlers, workers and
 * reads going through a conflict front (support/contention.ts). Two transactions in flight on one item
 * cancel each other as on AWS, where the emulator alone would run them one after the other; DynamoDB's
 * published latency, shrunk to a fifth, keeps them in flight long enough to meet and the run short.
 */
import { describe, expect, it } from 'vitest';
import { scaledAwsLatency, useConflictFront } from './support/contention.js';

const front = await useConflictFront(scaledAwsLatency(0.2));
// Only now: its modules make DynamoDB clients, which must see the front's endpoint at their first request.
await import('./lifecycle-random.test.js');

describe('the conflict front under the lifecycle tests', () => {
  it('carried their transactions', () => {
    expect(front.stats().forwarded.TransactWriteItems ?? 0).toBeGreaterThan(0);
  });
});
