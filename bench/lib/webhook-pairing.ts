/**
 * Webhook deliveries paired with the jobs they report (pure; the bench's receiver records arrivals).
 * A delivery's latency is its first arrival at the receiver minus the job's settlement time; a
 * delivery that arrives again (an at-least-once retry with the same `webhook-id`) counts once and is
 * reported as a duplicate.
 */

/** One POST the receiver accepted and verified. */
interface Arrival {
  webhookId: string;
  jobId: string;
  /** `data.completed_at` of the verified payload: when the settling transaction closed the job. */
  completedAt: string;
  /** The receiver's clock (epoch milliseconds) when the whole body had arrived. */
  arrivedAtMs: number;
}

interface PairedDeliveries {
  /** One latency a delivered job, in the order of `jobIds`. */
  latenciesMs: number[];
  /** Arrivals for the jobs of `jobIds`, duplicates included. */
  attempts: number;
  /** Arrivals beyond the first of each delivery. */
  duplicates: number;
  /** Jobs of `jobIds` the receiver never saw. */
  missing: string[];
}

function pairDeliveries(jobIds: readonly string[], arrivals: readonly Arrival[]): PairedDeliveries {
  const byJob = new Map<string, Arrival[]>();
  for (const arrival of arrivals) byJob.set(arrival.jobId, [...(byJob.get(arrival.jobId) ?? []), arrival]);
  const paired: PairedDeliveries = { latenciesMs: [], attempts: 0, duplicates: 0, missing: [] };
  for (const jobId of new Set(jobIds)) {
    const seen = byJob.get(jobId) ?? [];
    const first = seen.reduce<Arrival | undefined>(
      (earliest, arrival) => (earliest === undefined || arrival.arrivedAtMs < earliest.arrivedAtMs ? arrival : earliest),
      undefined,
    );
    if (first === undefined) {
      paired.missing.push(jobId);
      continue;
    }
    paired.attempts += seen.length;
    paired.duplicates += seen.length - 1;
    paired.latenciesMs.push(first.arrivedAtMs - Date.parse(first.completedAt));
  }
  return paired;
}

export type { Arrival, PairedDeliveries };
export { pairDeliveries };
