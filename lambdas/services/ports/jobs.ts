/**
 * The port to jobs, their envelopes and their commands. A job's reservation, settlement and
 * release each change the job and the customer's account together, all or nothing.
 */

import type { Envelope } from '@b3iq/protocol';
import type { AccountChange, Customer } from '../../domain/account.js';
import type { Job, JobEnvelopes } from '../../domain/job.js';
import type { ReleaseStatus } from '../../domain/job-lifecycle.js';
import type { CustomerChange } from './accounts.js';

/** Where a command's job is: the node never learns the customer, the control plane looks it up. */
interface CommandRef {
  command_id: string;
  customer_id: string;
  job_id: string;
  node_id: string;
}

type ReserveOutcome = { type: 'reserved' } | { type: 'job_exists'; job: Job } | { type: 'account_changed'; customer: Customer | undefined };

interface Release {
  job: Job;
  customer: CustomerChange;
  status: ReleaseStatus;
  reason: string;
  releasedAt: string;
  /** Release only if the job's next deadline is at or before this instant (the sweeper's guard). */
  dueBy?: string;
}

/** How a settlement or a release ended: closed, or which part had changed since it was read. */
type CloseOutcome =
  | { type: 'closed' }
  | { type: 'job_changed'; job: Job }
  | { type: 'account_changed'; customer: Customer | undefined }
  | { type: 'earnings_changed' };

interface JobStore {
  /**
   * Creates the job with its request envelope, moves its price from available to reserved and
   * appends the `reserve` ledger row, only if the job is new and the account is still at the version
   * read. The node's item is not part of it (every customer of a node would conflict on it): a node
   * that changed after the job was accepted fails the job at claim (`node_changed`). The new job is also the outbox entry the
   * relay delivers from. The envelope and the command index expire at `purgeAt` (epoch seconds).
   */
  reserveForJob(
    job: Job,
    encryptedRequest: Envelope,
    change: AccountChange,
    guards: { expectedVersion: number; purgeAt: number },
  ): Promise<ReserveOutcome>;
  /** A job with whichever of its envelopes are still kept. */
  getJobWithEnvelopes(customerId: string, jobId: string): Promise<{ job: Job; envelopes: JobEnvelopes } | undefined>;
  /**
   * Marks a queued job claimed if its claim deadline has not passed; its next deadline becomes
   * the completion deadline. Answers the job as it now stands either way, or `held` while a
   * transaction in flight on the job (a cancel, a result, an expiry) keeps the write out.
   */
  claimJob(customerId: string, jobId: string, claimedAt: string): Promise<Job | undefined | 'held'>;
  findCommand(commandId: string): Promise<CommandRef | undefined>;
  /** Closes an open job without a debit (failed, expired or cancelled) and releases its reservation. */
  releaseJob(release: Release): Promise<CloseOutcome>;
}

export type { CloseOutcome, CommandRef, JobStore, Release, ReserveOutcome };
