/**
 * The deadline sweeper: expires every open job whose next deadline has passed and releases its
 * reservation. It reads the `OpenJobs` index partition by partition (queued and claimed jobs
 * apart, each in a few shards), soonest deadline first, a page at a time. Each expiry is a
 * conditional transaction that re-checks the job is still open and still overdue, so two sweeps
 * at once, or a sweep racing a claim, a result or a cancel, end each job exactly once.
 */

import type { ControlPlane } from './control-plane.js';
import { releaseNamedJob } from './job-closing.js';
import { OPEN_SHARDS, type OpenJobPage, type OpenJobRef, type OpenShard } from './ports/open-jobs.js';

interface SweepOptions {
  pageSize?: number;
  /** Stop starting new pages after this instant (epoch ms): the Lambda's own timeout, less a margin. */
  stopBy?: number;
}

interface SweepReport {
  as_of: string;
  examined: number;
  expired: number;
}

/** Expires one listed job if it is still open and overdue; `true` if this call expired it. */
async function expireListedJob(plane: ControlPlane, ref: Pick<OpenJobRef, 'customer_id' | 'job_id'>, dueBy: string): Promise<boolean> {
  const outcome = await releaseNamedJob(
    plane,
    { customerId: ref.customer_id, jobId: ref.job_id },
    { status: 'expired', reason: 'deadline_passed', dueBy },
  );
  return outcome?.released ?? false;
}

async function sweepShard(plane: ControlPlane, shard: OpenShard, asOf: string, options: SweepOptions, report: SweepReport): Promise<void> {
  let start: OpenJobPage['next'];
  do {
    if (options.stopBy !== undefined && Date.now() > options.stopBy) return;
    const page = await plane.store.openJobs(shard, {
      dueBy: asOf,
      limit: options.pageSize ?? 25,
      ...(start === undefined ? {} : { start }),
    });
    const expired = await Promise.all(page.jobs.map((ref) => expireListedJob(plane, ref, asOf)));
    report.examined += page.jobs.length;
    report.expired += expired.filter(Boolean).length;
    start = page.next;
  } while (start !== undefined);
}

async function expireOverdueJobs(plane: ControlPlane, options: SweepOptions = {}): Promise<SweepReport> {
  const report: SweepReport = { as_of: plane.now().toISOString(), examined: 0, expired: 0 };
  await Promise.all(OPEN_SHARDS.map((shard) => sweepShard(plane, shard, report.as_of, options, report)));
  return report;
}

/** Seconds since the oldest still-open job reserved its price; 0 when no job is open. */
async function oldestReservationAgeSeconds(plane: ControlPlane): Promise<number> {
  const createdAt = await plane.store.oldestOpenJobCreatedAt();
  return createdAt === undefined ? 0 : Math.max(0, Math.round((plane.now().getTime() - Date.parse(createdAt)) / 1000));
}

export type { SweepOptions, SweepReport };
export { expireListedJob, expireOverdueJobs, oldestReservationAgeSeconds };
