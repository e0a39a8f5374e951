/**
 * The port to the index of open (queued or claimed) jobs by next deadline, which the sweeper and
 * the operator's release read. It is a partition per status (so the first job of each is its
 * oldest) spread over a few shards, so that no partition takes every job's writes.
 */

/** How many shards each status's partition is spread over. */
const OPEN_JOB_SHARDS = 8;

/** A partition of the open-jobs index: open jobs of one status, spread over a few shards. */
interface OpenShard {
  status: 'queued' | 'claimed';
  index: number;
}

/** Every partition of the open-jobs index. */
const OPEN_SHARDS: readonly OpenShard[] = (['queued', 'claimed'] as const).flatMap((status) =>
  Array.from({ length: OPEN_JOB_SHARDS }, (_, index) => ({ status, index })),
);

/** An open job as the index lists it. */
interface OpenJobRef {
  customer_id: string;
  job_id: string;
  node_id: string;
  status: OpenShard['status'];
  reserved_price_wei: bigint;
  created_at: string;
  due_at: string;
}

/** Where a page of the index continues; only the store that answered it reads it. */
type PageCursor = { readonly __pageCursor: unique symbol };

interface OpenJobPage {
  jobs: OpenJobRef[];
  /** Where the next page starts; absent on the last page. */
  next?: PageCursor;
}

interface OpenJobsIndex {
  /**
   * One page of the open jobs in a shard, soonest deadline first: those due at or before
   * `dueBy`, or all of them. The index is eventually consistent; every close re-checks the job.
   */
  openJobs(shard: OpenShard, options: { dueBy?: string; limit: number; start?: PageCursor }): Promise<OpenJobPage>;
  /** When the oldest open job was created; `undefined` when no job is open. */
  oldestOpenJobCreatedAt(): Promise<string | undefined>;
}

export type { OpenJobPage, OpenJobRef, OpenJobsIndex, OpenShard, PageCursor };
export { OPEN_JOB_SHARDS, OPEN_SHARDS };
