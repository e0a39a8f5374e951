/**
 * Ends an open job without a debit: one transaction closes the job and releases its reservation
 * in its bucket with a `release` ledger row. Every path that ends a job this way (a node's failure, a cancel,
 * the sweeper, the dead-letter consumer, an operator's release) goes through here.
 */
import { releaseEntry } from '../domain/account.js';
import { holdsNewestLease, type Job } from '../domain/job.js';
import { isOpenStatus, isOverdue, type ReleaseStatus } from '../domain/job-lifecycle.js';
import { closingEntryTime } from '../domain/ledger-totals.js';
import { Problem } from '../domain/problems.js';
import { recordJobEnded } from '../observability/metrics.js';
import type { ControlPlane } from './control-plane.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

interface ReleaseRequest {
  status: ReleaseStatus;
  /** Why, in a stable snake_case word (a node's failure code, `deadline_passed`, `cancelled_by_customer`...). */
  reason: string;
  /** Only if the job's next deadline is at or before this instant: an expiry never races a fresh claim. */
  dueBy?: string;
  /** A node's failure: only while this is the command's newest lease, else 409 `lease_expired`. */
  leaseId?: string;
}

/**
 * Releases `job` if it is still open (and, with `dueBy`, still overdue); answers the job as it
 * now stands either way, and whether this call released it. A job that closed meanwhile is
 * returned as it is, so every caller is idempotent.
 */
async function releaseOpenJob(plane: ControlPlane, job: Job, release: ReleaseRequest): Promise<{ job: Job; released: boolean }> {
  let current = job;
  return retryOnConflict<{ job: Job; released: boolean }>(async () => {
    if (!isOpenStatus(current.status)) return done({ job: current, released: false });
    if (release.leaseId !== undefined && !holdsNewestLease(current, release.leaseId)) throw supersededLease();
    const at = closingEntryTime(current.created_at, plane.now());
    const outcome = await plane.store.releaseJob({
      job: current,
      entry: releaseEntry(current.customer_id, current.quote.reserved_price_wei, current.job_id, at),
      status: release.status,
      reason: release.reason,
      releasedAt: at,
      ...(release.dueBy === undefined ? {} : { dueBy: release.dueBy }),
      ...(release.leaseId === undefined ? {} : { leaseId: release.leaseId }),
    });
    switch (outcome.type) {
      case 'closed':
        recordJobEnded(release.status);
        return done({ job: { ...current, status: release.status, billing_status: 'released', completed_at: at }, released: true });
      case 'job_changed':
        // Closed by someone else, or (for an expiry) claimed in time: either way not ours to release.
        if (!isOpenStatus(outcome.job.status) || release.dueBy !== undefined) return done({ job: outcome.job, released: false });
        current = outcome.job;
        return RETRY.now;
      case 'earnings_changed':
      case 'conflict':
        return RETRY.afterPause;
    }
  });
}

/** Reads the named job and releases it as `releaseOpenJob` does; `undefined` if there is no such job. */
async function releaseNamedJob(
  plane: ControlPlane,
  ids: { customerId: string; jobId: string },
  release: ReleaseRequest,
): Promise<{ job: Job; released: boolean } | undefined> {
  const { job } = await plane.store.read(ids);
  return job === undefined ? undefined : releaseOpenJob(plane, job, release);
}

/** The job as it stands, after expiring it if its deadline has passed: whoever notices first ends it. */
async function expireIfOverdue(plane: ControlPlane, job: Job): Promise<Job> {
  const now = plane.now();
  if (!isOverdue(job, now)) return job;
  return (await releaseOpenJob(plane, job, { status: 'expired', reason: 'deadline_passed', dueBy: now.toISOString() })).job;
}

/** A node's report from a lease the command was since handed out under again: it changes nothing. */
const supersededLease = () =>
  new Problem('lease_expired', 'this lease was superseded: the command was handed out again; only its newest lease may report');

export type { ReleaseRequest };
export { expireIfOverdue, releaseNamedJob, releaseOpenJob, supersededLease };
