/**
 * `POST /v1/private-inference/jobs`: checks in the contract's order, then one conditional
 * transaction that creates the job and reserves its price in one of the customer's reservation
 * buckets (reservation-buckets.ts), then the command on the node's queue.
 *
 * The send right after the commit only makes delivery fast. Delivery itself is guaranteed by the
 * outbox: the committed job's stream record makes the relay send the same command (SQS drops the
 * duplicate by its deduplication id), so a failed send or a crash after the commit loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { envelopeSha256 } from '@b3iq/protocol';
import { type Customer, reserveEntry } from '../domain/account.js';
import { acceptanceView, type Job, nodeCommand } from '../domain/job.js';
import { envelopePurgeTime, type JobWindows, jobDeadlines } from '../domain/job-lifecycle.js';
import { type JobRequest, jobRequestFingerprint, parseJobRequest } from '../domain/job-request.js';
import { routeToNode } from '../domain/node-routing.js';
import { quotePrice } from '../domain/pricing.js';
import { Problem } from '../domain/problems.js';
import { describeError, logger } from '../observability/logger.js';
import { recordInsufficientBalance, recordJobQueued } from '../observability/metrics.js';
import type { ControlPlane } from './control-plane.js';
import { type CustomerCredentials, readAsCustomer } from './customer-access.js';
import { type BucketLease, chooseReservationBucket } from './reservation-buckets.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

/** A job as the customer submits it. */
interface JobSubmission {
  credentials: CustomerCredentials;
  /** The ids the body names, peeked at before it is checked, so that one read fetches them with the account. */
  named: { nodeId?: string | undefined; jobId?: string | undefined };
  /** The body as JSON; reading it raises its own problems (media type, size, syntax), after the credentials' check. */
  readBody: () => unknown;
}

type Acceptance = ReturnType<typeof acceptanceView>;

/** Accepts the job (or answers its first acceptance again, for the same request with the same id). */
async function submitJob(plane: ControlPlane, submission: JobSubmission): Promise<Acceptance> {
  const snapshot = await readAsCustomer(plane, submission.credentials, submission.named);
  const { customer } = snapshot;
  const jobRequest = parseJobRequest(submission.readBody());
  const fingerprint = jobRequestFingerprint(jobRequest);
  const directory = await plane.keyDirectory();
  const jobId = jobRequest.job_id ?? `job-${randomUUID()}`;
  logger.appendKeys({ job_id: jobId });
  let { job: existing, node: stored } = snapshot;
  let lease: BucketLease | undefined;
  /** A bucket that just lost a transaction conflict: the next attempt takes another. */
  let conflicted: number | undefined;
  const letGo = () => {
    lease?.release();
    lease = undefined;
  };

  return retryOnConflict(async () => {
    if (existing !== undefined) return done(replay(existing, fingerprint));
    const now = plane.now();
    const route = routeToNode(stored, jobRequest, directory, now);
    const quote = quotePrice(route.priceWei, plane.pricing);
    if (jobRequest.max_price_wei !== undefined && quote.quoted_price_wei > jobRequest.max_price_wei) {
      throw new Problem('max_price_exceeded', `the quoted price ${quote.quoted_price_wei} wei is above max_price_wei`);
    }
    if (lease === undefined) {
      const choice = await chooseReservationBucket(plane.store, customer.customer_id, quote.reserved_price_wei, conflicted);
      if (choice.type === 'insufficient') {
        recordInsufficientBalance();
        throw new Problem('insufficient_balance', `available balance does not cover the quoted price ${quote.quoted_price_wei} wei`);
      }
      if (choice.type === 'retry') return choice.after === 'now' ? RETRY.now : RETRY.afterAccountConflict;
      lease = choice.lease;
    }
    const createdAt = now.toISOString();
    const job = newJob(customer, jobRequest, jobId, fingerprint, quote, createdAt, plane.jobWindows, lease.bucket);
    const entry = reserveEntry(customer.customer_id, quote.reserved_price_wei, jobId, createdAt);
    const outcome = await plane.store.reserveForJob(job, jobRequest.encrypted_request, entry, {
      nodeRevision: route.stored.revision,
      purgeAt: envelopePurgeTime(job.completion_deadline, plane.jobWindows),
    });
    switch (outcome.type) {
      case 'reserved':
        lease.reserved(quote.reserved_price_wei);
        letGo();
        recordJobQueued(jobRequest.encrypted_request.ciphertext);
        await sendNow(plane, job, jobRequest);
        return done(acceptanceView(job));
      case 'job_exists':
        existing = outcome.job;
        return RETRY.now;
      case 'node_changed':
        stored = await plane.store.getNode(jobRequest.node_id);
        return RETRY.now;
      case 'bucket_short':
        // Another process drew from this bucket: take one that covers the price, as it now stands.
        lease.learned(outcome.bucket);
        letGo();
        return RETRY.now;
      case 'conflict':
        conflicted = lease.bucket;
        letGo();
        return RETRY.afterAccountConflict;
    }
  }).finally(letGo);
}

/** The fast path to the node; if it fails the job is already committed and the relay delivers it. */
async function sendNow(plane: ControlPlane, job: Job, request: JobRequest): Promise<void> {
  try {
    await plane.queues.send(nodeCommand(job, request.encrypted_request));
  } catch (error) {
    logger.warn('command send failed; the relay will deliver it', { job_id: job.job_id, ...describeError(error) });
  }
}

/** An identical request answers the first acceptance again; another request with the id is a conflict. */
function replay(job: Job, fingerprint: string): Acceptance {
  if (job.request_fingerprint !== fingerprint) {
    throw new Problem('job_id_conflict', `job_id "${job.job_id}" was already used with a different request`);
  }
  return acceptanceView(job);
}

function newJob(
  customer: Customer,
  request: JobRequest,
  jobId: string,
  fingerprint: string,
  quote: Job['quote'],
  createdAt: string,
  windows: JobWindows,
  reservationBucket: number,
): Job {
  return {
    customer_id: customer.customer_id,
    job_id: jobId,
    node_id: request.node_id,
    model_id: request.model_id,
    command_id: `cmd-${randomUUID()}`,
    status: 'queued',
    billing_status: 'reserved',
    quote,
    reservation_bucket: reservationBucket,
    request_fingerprint: fingerprint,
    request_sha256: envelopeSha256(request.encrypted_request),
    request_key_id: request.encrypted_request.key_id,
    receipt_hash: null,
    created_at: createdAt,
    ...jobDeadlines(createdAt, windows),
    claimed_at: null,
    completed_at: null,
  };
}

export type { Acceptance, JobSubmission };
export { submitJob };
