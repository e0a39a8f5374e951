/**
 * Ends an open job without a debit: one transaction closes the job and releases its reservation
 * with a `release` ledger row. Every path that ends a job this way (a node's failure, a cancel,
 * the sweeper, the dead-letter consumer, an operator's release) goes through here.
 */
import type { Customer } from '../domain/account.js';
import { releaseReserved } from '../domain/account.js';
import type { Job } from '../domain/job.js';
import { isOpenStatus, isOverdue, type ReleaseStatus } from '../domain/job-lifecycle.js';
import { recordJobEnded } from '../observability/metrics.js';
import type { ControlPlane } from './control-plane.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

interface ReleaseRequest {
  status: ReleaseStatus;
  /** Why, in a stable snake_case word (a node's failure code, `deadline_passed`, `cancelled_by_customer`...). */
  reason: string;
  /** Only if the job's next deadline is at or before this instant: an expiry never races a fresh claim. */
  dueBy?: string;
}

/**
 * Releases `job` if it is still open (and, with `dueBy`, still overdue); answers the job as it
 * now stands either way, and whether this call released it. A job that closed meanwhile is
 * returned as it is, so every caller is idempotent.
 */
async function releaseOpenJob(
  plane: ControlPlane,
  job: Job,
  release: ReleaseRequest,
  customer?: Customer,
): Promise<{ job: Job; released: boolean }> {
  let current = job;
  let account = customer ?? (await plane.store.getCustomer(job.customer_id));
  return retryOnConflict<{ job: Job; released: boolean }>(async () => {
    if (!isOpenStatus(current.status) || account === undefined) return done({ job: current, released: false });
    if (!holdsReservation(account, current)) {
      // The account was read after someone else closed the job: read both again.
      ({ job: current = current, customer: account } = await plane.store.read({ customerId: current.customer_id, jobId: current.job_id }));
      return RETRY.afterPause;
    }
    const at = plane.now().toISOString();
    const outcome = await plane.store.releaseJob({
      job: current,
      customer: {
        change: releaseReserved(account.account, current.quote.reserved_price_wei, current.job_id, at),
        expectedVersion: account.account.version,
      },
      status: release.status,
      reason: release.reason,
      releasedAt: at,
      ...(release.dueBy === undefined ? {} : { dueBy: release.dueBy }),
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
      case 'account_changed':
        account = outcome.customer ?? (await plane.store.getCustomer(current.customer_id));
        return RETRY.afterAccountConflict;
      case 'earnings_changed':
        return RETRY.afterPause;
    }
  });
}

/** Reads the named job with its account and releases it as `releaseOpenJob` does; `undefined` if there is no such job. */
async function releaseNamedJob(
  plane: ControlPlane,
  ids: { customerId: string; jobId: string },
  release: ReleaseRequest,
): Promise<{ job: Job; released: boolean } | undefined> {
  const { job, customer } = await plane.store.read(ids);
  return job === undefined ? undefined : releaseOpenJob(plane, job, release, customer);
}

/**
 * Whether the account still holds the job's reservation. A job read as open together with an
 * account read after the job closed fails this; the ledger rules would refuse such a pair.
 */
function holdsReservation(customer: Customer, job: Job): boolean {
  return customer.account.reserved_wei >= job.quote.reserved_price_wei;
}

/** The job as it stands, after expiring it if its deadline has passed: whoever notices first ends it. */
async function expireIfOverdue(plane: ControlPlane, job: Job, customer?: Customer): Promise<Job> {
  const now = plane.now();
  if (!isOverdue(job, now)) return job;
  return (await releaseOpenJob(plane, job, { status: 'expired', reason: 'deadline_passed', dueBy: now.toISOString() }, customer)).job;
}

export type { ReleaseRequest };
export { expireIfOverdue, holdsReservation, releaseNamedJob, releaseOpenJob };
