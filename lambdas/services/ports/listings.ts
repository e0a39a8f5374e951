/**
 * The port to the two listing indexes: a customer's jobs newest first (`CustomerJobs`) and the
 * active nodes by id (`ActiveNodes`), each page one query on its index, and the record of a node's
 * latest signed call.
 */
import type { Job, JobStatus } from '../../domain/job.js';
import type { ModelOffer, NodeStatus } from '../../domain/node.js';

/** What one index query answered: the items that matched, and the sort key of the last one it evaluated. */
interface IndexPage<T> {
  items: T[];
  /** Absent when the query reached the end of the index partition. */
  lastEvaluated?: string;
}

interface NodeSummary {
  node_id: string;
  status: NodeStatus;
  models: ModelOffer[];
  last_seen_at: string | null;
}

interface Listings {
  /**
   * Up to `evaluate` of the customer's jobs, newest first, strictly after the sort key `after`
   * (`{created_at}#{job_id}`); those with `status` only, if given (the others count as evaluated).
   */
  customerJobsPage(
    customerId: string,
    page: { evaluate: number; after?: string | undefined; status?: JobStatus | undefined },
  ): Promise<IndexPage<Job>>;
  /** Up to `evaluate` active nodes by id, strictly after the node id `after`; those serving `modelId` only, if given. */
  activeNodesPage(page: { evaluate: number; after?: string | undefined; modelId?: string | undefined }): Promise<IndexPage<NodeSummary>>;
  /** Sets the node's `last_seen_at` to `at` unless it is already later; never its revision. Nothing for an unknown node. */
  recordNodeSeen(nodeId: string, at: string): Promise<void>;
}

export type { IndexPage, Listings, NodeSummary };
