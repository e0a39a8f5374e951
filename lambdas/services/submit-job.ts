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
import { envelopeSha256, type KeyDirectory } from '@b3iq/protocol';
import { type Customer, reserveEntry } from '../domain/account.js';
import { matchingToken } from '../domain/customer-token.js';
import { acceptanceView, type Job, nodeCommand } from '../domain/job.js';
import { envelopePurgeTime, type JobWindows, jobDeadlines } from '../domain/job-lifecycle.js';
import { type JobRequest, jobRequestFingerprint, parseJobRequest } from '../domain/job-request.js';
import type { StoredNode } from '../domain/node.js';
import { routeToNode } from '../domain/node-routing.js';
import { quotePrice } from '../domain/pricing.js';
import { Problem, type ProblemCode } from '../domain/problems.js';
import { describeError, logger } from '../observability/logger.js';
import { recordInsufficientBalance, recordJobQueued } from '../observability/metrics.js';
import type { ControlPlane } from './control-plane.js';
import { admitCustomer, type CustomerCredentials, readAsCustomer } from './customer-access.js';
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

/** What submit decides on: the customer and the node it names, from memory or just read; `job` if read and found. */
interface Basis {
  customer: Customer;
  node: StoredNode | undefined;
  job: Job | undefined;
  /** Read by this request (not taken from the submit cache). */
  fresh: boolean;
}

/** Refusals decided on what was read: before answering one, submit reads again (the job, the node, the balance). */
const REFUSALS = new Set<ProblemCode>([
  'node_not_found',
  'node_unavailable',
  'model_not_served',
  'stale_transport_key',
  'max_price_exceeded',
  'insufficient_balance',
]);

/**
 * Accepts the job (or answers its first acceptance again, for the same request with the same id).
 *
 * Warm, the customer and the node come from the submit cache (submit-cache.ts) and nothing is
 * read: the transaction itself decides whether the job exists (its Put fails and answers the
 * stored job: a replay or 409). A refusal is never answered from memory, nor for a request naming
 * a `job_id` from an earlier attempt's read: submit reads the account, the node and the job again
 * and decides on that, so a replay answers 202 whatever changed since, and a refusal for balance
 * is decided on the balance as it stands.
 */
async function submitJob(plane: ControlPlane, submission: JobSubmission): Promise<Acceptance> {
  const { credentials, named } = submission;
  let basis = remembered(plane, credentials, named) ?? (await readBasis(plane, credentials, named, { admit: true }));
  const jobRequest = parseJobRequest(submission.readBody());
  const fingerprint = jobRequestFingerprint(jobRequest);
  const directory = await plane.keyDirectory();
  const jobId = jobRequest.job_id ?? `job-${randomUUID()}`;
  logger.appendKeys({ job_id: jobId });
  let existing = basis.job;
  let readAgain = false;
  let lease: BucketLease | undefined;
  /** A bucket that just lost a transaction conflict: the next attempt takes another. */
  let conflicted: number | undefined;
  const letGo = () => {
    lease?.release();
    lease = undefined;
  };

  return retryOnConflict(async (number) => {
    if (existing !== undefined) return done(replay(existing, fingerprint));
    const { customer } = basis;
    const now = plane.now();
    let quote: Job['quote'];
    try {
      quote = quoteFor(basis, jobRequest, directory, plane, now);
      if (lease === undefined) {
        const choice = await chooseReservationBucket(plane.store, customer.customer_id, quote.reserved_price_wei, conflicted);
        if (choice.type === 'insufficient') {
          throw new Problem('insufficient_balance', `available balance does not cover the quoted price ${quote.quoted_price_wei} wei`);
        }
        if (choice.type === 'retry') return choice.after === 'now' ? RETRY.now : RETRY.afterAccountConflict;
        lease = choice.lease;
      }
    } catch (error) {
      const refusal = error instanceof Problem && REFUSALS.has(error.code);
      const stale = !basis.fresh || (jobRequest.job_id !== undefined && number > 1);
      if (!refusal || readAgain || !stale) {
        if (refusal && error.code === 'insufficient_balance') recordInsufficientBalance();
        throw error;
      }
      readAgain = true;
      basis = await readBasis(plane, credentials, named, { admit: false });
      existing = basis.job;
      return RETRY.now;
    }
    const createdAt = now.toISOString();
    const job = newJob(customer, jobRequest, jobId, fingerprint, quote, createdAt, plane.jobWindows, lease.bucket);
    const entry = reserveEntry(customer.customer_id, quote.reserved_price_wei, jobId, createdAt);
    const outcome = await plane.store.reserveForJob(job, jobRequest.encrypted_request, entry, {
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

/** Routing and price, in the contract's order: the quote, or a refusal. */
function quoteFor(basis: Basis, jobRequest: JobRequest, directory: KeyDirectory, plane: ControlPlane, now: Date): Job['quote'] {
  const route = routeToNode(basis.node, jobRequest, directory, now);
  const quote = quotePrice(route.priceWei, plane.pricing);
  if (jobRequest.max_price_wei !== undefined && quote.quoted_price_wei > jobRequest.max_price_wei) {
    throw new Problem('max_price_exceeded', `the quoted price ${quote.quoted_price_wei} wei is above max_price_wei`);
  }
  return quote;
}

/** The customer and the node from the submit cache, if both are there and the token is the stored one; admitted. */
function remembered(plane: ControlPlane, credentials: CustomerCredentials, named: JobSubmission['named']): Basis | undefined {
  const { customerId } = credentials;
  if (customerId === undefined || named.nodeId === undefined) return undefined;
  const nowMs = plane.now().getTime();
  const customer = plane.submitCache.customers.get(customerId, nowMs);
  const node = plane.submitCache.nodes.get(named.nodeId, nowMs);
  // A token the kept customer does not match may be a new one: read, and decide on what is stored.
  // A token revoked since the entry was read still matches it, for at most the cache's lifetime
  // (inside the contract's 2-second bound).
  if (customer === undefined || node === undefined || matchingToken(credentials.token, customer.tokens) === undefined) return undefined;
  const limiters = { customer: plane.rateLimiter, failedCredentials: plane.failedCredentialsLimiter };
  return { customer: admitCustomer(credentials, customer, limiters, Date.now()).customer, node, job: undefined, fresh: false };
}

/** Reads the customer, checks the token, then reads the node and the job the request names; keeps the first two. */
async function readBasis(
  plane: ControlPlane,
  credentials: CustomerCredentials,
  named: JobSubmission['named'],
  { admit }: { admit: boolean },
): Promise<Basis> {
  const readAtMs = plane.now().getTime();
  // Read again for a refusal, the request was already counted against the customer's rate limit.
  const snapshot = await readAsCustomer(plane, credentials, named, { rateLimit: admit });
  plane.submitCache.customers.put(snapshot.customer.customer_id, snapshot.customer, readAtMs);
  if (snapshot.node !== undefined) plane.submitCache.nodes.put(snapshot.node.node.node_id, snapshot.node, readAtMs);
  return { customer: snapshot.customer, node: snapshot.node, job: snapshot.job, fresh: true };
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
