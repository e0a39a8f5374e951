/**
 * The port to jobs, their envelopes and their commands. A job's reservation, settlement and
 * release each change the job and its reservation bucket together, all or nothing.
 */

import type { Envelope } from '@b3iq/protocol';
import type { LedgerEntry } from '../../domain/account.js';
import type { Bucket } from '../../domain/escrow.js';
import type { Job, JobEnvelopes } from '../../domain/job.js';
import type { ReleaseStatus } from '../../domain/job-lifecycle.js';

/** Where a command's job is: the node never learns the customer, the control plane looks it up. */
interface CommandRef {
  command_id: string;
  customer_id: string;
  job_id: string;
  node_id: string;
}

type ReserveOutcome =
  | { type: 'reserved' }
  | { type: 'job_exists'; job: Job }
  /** The job's bucket did not cover the price: the bucket as it stood. */
  | { type: 'bucket_short'; bucket: Bucket }
  /** Another transaction on the same items was in flight: try again (another bucket). */
  | { type: 'conflict' };

interface Release {
  job: Job;
  /** The `release` ledger row. */
  entry: LedgerEntry;
  status: ReleaseStatus;
  reason: string;
  releasedAt: string;
  /** Release only if the job's next deadline is at or before this instant (the sweeper's guard). */
  dueBy?: string;
  /** A node's failure: release only while this is still the command's newest lease. */
  leaseId?: string;
}

/** How a settlement or a release ended: closed, or which part had changed since it was read. */
type CloseOutcome =
  | { type: 'closed' }
  | { type: 'job_changed'; job: Job }
  | { type: 'earnings_changed' }
  /** Another transaction on the same items was in flight: try again. */
  | { type: 'conflict' };

interface JobStore {
  /**
   * Creates the job with its request envelope, moves its price from available to reserved in
   * the job's reservation bucket and appends the `reserve` ledger row (`entry`), only if the job
   * is new and the bucket covers the price. The node's item is not part of it (every customer of
   * a node would conflict on it): a node that changed after the job was accepted fails the job at
   * claim (`node_changed`). The new job is also the outbox entry the relay delivers from. The
   * envelope and the command index expire at `purgeAt` (epoch seconds).
   */
  reserveForJob(job: Job, encryptedRequest: Envelope, entry: LedgerEntry, guards: { purgeAt: number }): Promise<ReserveOutcome>;
  /** A job with whichever of its envelopes are still kept. */
  getJobWithEnvelopes(customerId: string, jobId: string): Promise<{ job: Job; envelopes: JobEnvelopes } | undefined>;
  /**
   * Marks a queued job claimed if its claim deadline has not passed; its next deadline becomes
   * the completion deadline. `leaseId` becomes the job's newest lease, also when an earlier delivery
   * had already claimed it (a re-delivery supersedes the earlier lease). Answers the job as it now stands either way, or `held` while a
   * transaction in flight on the job (a cancel, a result, an expiry) keeps the write out.
   */
  claimJob(customerId: string, jobId: string, claimedAt: string, leaseId: string): Promise<Job | undefined | 'held'>;
  findCommand(commandId: string): Promise<CommandRef | undefined>;
  /** Closes an open job without a debit (failed, expired or cancelled) and releases its reservation in its bucket. */
  releaseJob(release: Release): Promise<CloseOutcome>;
}

export type { CloseOutcome, CommandRef, JobStore, Release, ReserveOutcome };
