/**
 * A private-inference job as the control plane keeps it, and the shapes it is shown in:
 * the 202 acceptance, the customer's job and billing views, the command a node pulls and the job
 * as a node sees it. Each view is typed from its declaration in `schemas/responses.ts`. The
 * envelopes are kept apart from the job (they are large, and purged after retention while the
 * job stays).
 */
import type {
  BillingJobView,
  BillingStatus,
  BillingView,
  Envelope,
  JobAccepted,
  JobStatus,
  JobView,
  NodeCommand,
  NodeJobView,
} from '@b3iq/protocol';
import { formatWei } from '@b3iq/protocol';
import type { JobDeadlines } from './job-lifecycle.js';
import type { Quote } from './pricing.js';

interface Job extends JobDeadlines {
  customer_id: string;
  job_id: string;
  node_id: string;
  model_id: string;
  command_id: string;
  status: JobStatus;
  billing_status: BillingStatus;
  quote: Quote;
  /** The customer's reservation bucket (escrow.ts) that holds the reserved price until the job closes. */
  reservation_bucket: number;
  /** Identifies the request that created the job, for idempotent replays. */
  request_fingerprint: string;
  /** What the receipt binds and the response must repeat, so settling never reads the envelope. */
  request_sha256: string;
  request_key_id: string;
  receipt_hash: string | null;
  created_at: string;
  claimed_at: string | null;
  completed_at: string | null;
  /**
   * The newest lease the command was handed out under (set at each pull that hands it out); only it
   * may report a result or a failure. Absent before the first claim.
   */
  lease_id?: string;
}

/** A job's envelopes: `null` before there is one, and after the retention period purged it. */
interface JobEnvelopes {
  encrypted_request: Envelope | null;
  encrypted_response: Envelope | null;
}

function billingView(job: Job, status: BillingStatus = job.billing_status): BillingView {
  return {
    customer_id: job.customer_id,
    policy_version: job.quote.policy_version,
    quoted_price_wei: formatWei(job.quote.quoted_price_wei),
    reserved_price_wei: formatWei(job.quote.reserved_price_wei),
    payout_price_wei: formatWei(job.quote.payout_price_wei),
    status,
  };
}

/** The 202 body. A replay answers the first acceptance again, whatever happened since. */
function acceptanceView(job: Job): JobAccepted {
  return {
    status: 'queued',
    job_id: job.job_id,
    node_id: job.node_id,
    command_id: job.command_id,
    billing: billingView(job, 'reserved'),
    created_at: job.created_at,
  };
}

/** `GET /v1/private-inference/jobs/{job_id}`, and the answer to a cancel. */
function jobView(job: Job, envelopes: JobEnvelopes): JobView {
  return {
    job_id: job.job_id,
    node_id: job.node_id,
    model_id: job.model_id,
    status: job.status,
    // A released job's request envelope is purged with its release (job-store `releaseJob`).
    encrypted_request: job.billing_status === 'released' ? null : envelopes.encrypted_request,
    encrypted_response: envelopes.encrypted_response,
    receipt_hash: job.receipt_hash,
    billing: billingView(job),
    created_at: job.created_at,
    claim_deadline: job.claim_deadline,
    completion_deadline: job.completion_deadline,
    completed_at: job.completed_at,
  };
}

/** `GET /v1/billing/jobs/{job_id}`: the job's money, never an envelope. */
function billingJobView(job: Job): BillingJobView {
  return {
    job_id: job.job_id,
    node_id: job.node_id,
    model_id: job.model_id,
    status: job.status,
    billing_status: job.billing_status,
    customer_id: job.customer_id,
    quoted_price_wei: formatWei(job.quote.quoted_price_wei),
    reserved_price_wei: formatWei(job.quote.reserved_price_wei),
    payout_price_wei: formatWei(job.quote.payout_price_wei),
    receipt_hash: job.receipt_hash,
    created_at: job.created_at,
    completed_at: job.completed_at,
  };
}

/**
 * The answer to a node's lease, result or failure; `leaseExpiresAt` only when the node still holds
 * the lease it extended.
 */
function nodeJobView(job: Job, leaseExpiresAt?: string): NodeJobView {
  return {
    job_id: job.job_id,
    command_id: job.command_id,
    status: job.status,
    receipt_hash: job.receipt_hash,
    ...(leaseExpiresAt === undefined ? {} : { lease_expires_at: leaseExpiresAt }),
  };
}

/**
 * The message on the node's queue: what the node needs to answer, and no customer identity.
 * `price_wei` is the quoted price: the node's receipt must state it.
 */
function nodeCommand(job: Job, encryptedRequest: Envelope): NodeCommand {
  return {
    type: 'private_inference',
    command_id: job.command_id,
    job_id: job.job_id,
    node_id: job.node_id,
    model_id: job.model_id,
    price_wei: formatWei(job.quote.quoted_price_wei),
    encrypted_request: encryptedRequest,
    created_at: job.created_at,
  };
}

/**
 * Whether `leaseId` is the newest lease of the job's command: a superseded lease (its command was
 * handed out again) may not report on it, and a queued job has none yet. A job claimed before leases
 * were recorded has none to compare: any lease of it may report.
 */
const holdsNewestLease = (job: Job, leaseId: string): boolean =>
  job.lease_id === undefined ? job.status === 'claimed' : job.lease_id === leaseId;

export type { BillingStatus, Job, JobEnvelopes, JobStatus, NodeCommand };
export { acceptanceView, billingJobView, billingView, holdsNewestLease, jobView, nodeCommand, nodeJobView };
