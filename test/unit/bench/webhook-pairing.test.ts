/** The bench's pairing of webhook arrivals with the jobs they report (bench/lib/webhook-pairing.ts). */
import { describe, expect, it } from 'vitest';
import { type Arrival, pairDeliveries } from '../../../bench/lib/webhook-pairing.js';

const SETTLED = '2026-11-30T10:00:00.000Z';
const settledMs = Date.parse(SETTLED);

function arrival(jobId: string, afterMs: number, webhookId = `msg_${jobId}`): Arrival {
  return { webhookId, jobId, completedAt: SETTLED, arrivedAtMs: settledMs + afterMs };
}

describe('pairDeliveries', () => {
  it('measures each delivery from its job settlement to its arrival, in the order of the jobs', () => {
    const paired = pairDeliveries(['job-a', 'job-b'], [arrival('job-b', 250), arrival('job-a', 40)]);

    expect(paired).toEqual({ latenciesMs: [40, 250], attempts: 2, duplicates: 0, missing: [] });
  });

  it('counts a delivery seen twice once, from its first arrival, and reports the duplicate', () => {
    const paired = pairDeliveries(['job-a'], [arrival('job-a', 900), arrival('job-a', 120), arrival('job-a', 5000)]);

    expect(paired.latenciesMs).toEqual([120]);
    expect(paired.attempts).toBe(3);
    expect(paired.duplicates).toBe(2);
  });

  it('reports jobs never delivered, and ignores arrivals for jobs it was not asked about (warm-up)', () => {
    const paired = pairDeliveries(['job-a', 'job-b', 'job-a'], [arrival('job-a', 60), arrival('job-warmup', 3)]);

    expect(paired).toEqual({ latenciesMs: [60], attempts: 1, duplicates: 0, missing: ['job-b'] });
  });

  it('uses the completed_at of the payload, to the millisecond', () => {
    const paired = pairDeliveries(
      ['job-a'],
      [{ webhookId: 'msg_a', jobId: 'job-a', completedAt: '2026-11-30T10:00:00.123Z', arrivedAtMs: settledMs + 200 }],
    );

    expect(paired.latenciesMs).toEqual([77]);
  });
});
