/**
 * `last_seen_at` of a node, recorded without a write per call: at most once per node per
 * RECORD_INTERVAL_MS in each Lambda instance, when a signed call is admitted. So `last_seen_at` may
 * trail the node's latest call by up to the interval (per instance). The write is awaited (once a
 * minute per node, so a test or a client reading right after a node's first call sees it) but its
 * failure is logged and never fails the node's call. It sets only `last_seen_at`, never the node's
 * `revision`, so enrollment's optimistic lock does not see it.
 */
import { describeError, logger } from '../observability/logger.js';
import { OncePerInterval } from './once-per-interval.js';

/** How often one instance records a call of one node. */
const RECORD_INTERVAL_MS = 60_000;

type RecordSeen = (nodeId: string, at: string) => Promise<void>;

class NodeSightings {
  readonly #record: RecordSeen | undefined;
  readonly #writes = new OncePerInterval(RECORD_INTERVAL_MS);

  /** `record` writes a sighting; without it (a function that does not serve nodes) nothing is recorded. */
  constructor(record?: RecordSeen) {
    this.#record = record;
  }

  /** Notes that the node made a signed call at `now`; writes it if this instance has not for RECORD_INTERVAL_MS. */
  async noteCall(nodeId: string, now: Date): Promise<void> {
    const record = this.#record;
    if (record === undefined) return;
    if (!this.#writes.due(nodeId, now.getTime())) return;
    try {
      await record(nodeId, now.toISOString());
    } catch (error) {
      logger.warn('node call not recorded', { node_id: nodeId, ...describeError(error) });
    }
  }
}

export { NodeSightings, RECORD_INTERVAL_MS };
