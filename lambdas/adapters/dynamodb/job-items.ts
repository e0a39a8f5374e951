/**
 * Item codecs of jobs, their envelopes and their commands (layout in items.ts). An open job also
 * carries `open_shard` and `due_at` (its next deadline), the keys of the sparse `OpenJobs` index.
 */
import { createHash } from 'node:crypto';
import type { Envelope } from '@b3iq/protocol';
import type { Job, JobEnvelopes } from '../../domain/job.js';
import { nextDeadline } from '../../domain/job-lifecycle.js';
import type { CommandRef } from '../../services/ports/jobs.js';
import { OPEN_JOB_SHARDS, type OpenJobRef, type OpenShard } from '../../services/ports/open-jobs.js';
import { type Item, n, nullableS, readInt, readNullableS, readS, readWei, s } from './attributes.js';
import { type EnvelopeKind, keys } from './items.js';

/** Characters of envelope JSON per item: well under DynamoDB's 400 KB item limit. */
const ENVELOPE_PART_CHARS = 350_000;

/** The most parts a request envelope has: it comes in a body of at most 1 MiB (http/request.ts). */
const MAX_REQUEST_ENVELOPE_PARTS = Math.ceil((1024 * 1024) / ENVELOPE_PART_CHARS);

function commandToItem(ref: CommandRef, expiresAt: number): Item {
  return {
    ...keys.command(ref.command_id),
    entity: s('command'),
    expires_at: n(expiresAt),
    command_id: s(ref.command_id),
    customer_id: s(ref.customer_id),
    job_id: s(ref.job_id),
    node_id: s(ref.node_id),
  };
}

function commandFromItem(item: Item): CommandRef {
  return {
    command_id: readS(item, 'command_id'),
    customer_id: readS(item, 'customer_id'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
  };
}

function jobToItem(job: Job): Item {
  return {
    ...keys.job(job.customer_id, job.job_id),
    entity: s('job'),
    customer_id: s(job.customer_id),
    job_id: s(job.job_id),
    node_id: s(job.node_id),
    model_id: s(job.model_id),
    command_id: s(job.command_id),
    status: s(job.status),
    billing_status: s(job.billing_status),
    policy_version: s(job.quote.policy_version),
    quoted_price_wei: n(job.quote.quoted_price_wei),
    reserved_price_wei: n(job.quote.reserved_price_wei),
    payout_price_wei: n(job.quote.payout_price_wei),
    reservation_bucket: n(job.reservation_bucket),
    request_fingerprint: s(job.request_fingerprint),
    request_sha256: s(job.request_sha256),
    request_key_id: s(job.request_key_id),
    receipt_hash: nullableS(job.receipt_hash),
    created_at: s(job.created_at),
    claim_deadline: s(job.claim_deadline),
    completion_deadline: s(job.completion_deadline),
    claimed_at: nullableS(job.claimed_at),
    completed_at: nullableS(job.completed_at),
    job_order: s(jobOrder(job)),
    ...openJobAttributes(job),
  };
}

/** A job's sort key in the `CustomerJobs` index: newest last, ties broken by id. */
const jobOrder = (job: Pick<Job, 'created_at' | 'job_id'>): string => `${job.created_at}#${job.job_id}`;

const openShardKey = (shard: OpenShard): string => `OPEN#${shard.status}#${shard.index}`;

/** The index partition of a job while it has `status`: the shard is fixed by the job's key. */
function openShardOf(customerId: string, jobId: string, status: OpenShard['status']): string {
  const index = createHash('sha256').update(keys.jobPartition(customerId, jobId)).digest().readUInt8(0) % OPEN_JOB_SHARDS;
  return openShardKey({ status, index });
}

/** The `OpenJobs` index attributes of a job that is still open; none once it is terminal. */
function openJobAttributes(job: Job): Item {
  const due = nextDeadline(job);
  if (due === undefined) return {};
  return { open_shard: s(openShardOf(job.customer_id, job.job_id, job.status as OpenShard['status'])), due_at: s(due) };
}

/** An envelope as the items that hold its JSON text, each purged by TTL at `expiresAt` (epoch seconds). */
function envelopeToItems(customerId: string, jobId: string, kind: EnvelopeKind, envelope: Envelope, expiresAt: number): Item[] {
  const text = JSON.stringify(envelope);
  const count = Math.max(1, Math.ceil(text.length / ENVELOPE_PART_CHARS));
  return Array.from({ length: count }, (_, part) => ({
    ...keys.envelopePart(customerId, jobId, kind, part),
    entity: s('envelope'),
    part: n(part),
    parts: n(count),
    text: s(text.slice(part * ENVELOPE_PART_CHARS, (part + 1) * ENVELOPE_PART_CHARS)),
    expires_at: n(expiresAt),
  }));
}

/** Reassembles an envelope from its items; `null` if none are left or some are already purged. */
function envelopeFromItems(items: Item[], kind: EnvelopeKind): Envelope | null {
  const prefix = keys.envelopePrefix(kind);
  const parts = items.filter((item) => item.sk?.S?.startsWith(prefix)).sort((a, b) => readInt(a, 'part') - readInt(b, 'part'));
  const [first] = parts;
  if (first === undefined || parts.length !== readInt(first, 'parts') || parts.some((item, index) => readInt(item, 'part') !== index)) {
    return null;
  }
  return JSON.parse(parts.map((item) => readS(item, 'text')).join('')) as Envelope;
}

/** A job partition as read: the job and whichever of its envelopes are still kept. */
function jobEnvelopesFromItems(items: Item[]): JobEnvelopes {
  return { encrypted_request: envelopeFromItems(items, 'request'), encrypted_response: envelopeFromItems(items, 'response') };
}

function jobFromItem(item: Item): Job {
  return {
    customer_id: readS(item, 'customer_id'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
    model_id: readS(item, 'model_id'),
    command_id: readS(item, 'command_id'),
    status: readS(item, 'status') as Job['status'],
    billing_status: readS(item, 'billing_status') as Job['billing_status'],
    quote: {
      policy_version: readS(item, 'policy_version'),
      quoted_price_wei: readWei(item, 'quoted_price_wei'),
      reserved_price_wei: readWei(item, 'reserved_price_wei'),
      payout_price_wei: readWei(item, 'payout_price_wei'),
    },
    reservation_bucket: readInt(item, 'reservation_bucket'),
    request_fingerprint: readS(item, 'request_fingerprint'),
    request_sha256: readS(item, 'request_sha256'),
    request_key_id: readS(item, 'request_key_id'),
    receipt_hash: readNullableS(item, 'receipt_hash'),
    created_at: readS(item, 'created_at'),
    claim_deadline: readS(item, 'claim_deadline'),
    completion_deadline: readS(item, 'completion_deadline'),
    claimed_at: readNullableS(item, 'claimed_at'),
    completed_at: readNullableS(item, 'completed_at'),
    ...(item.lease_id?.S === undefined ? {} : { lease_id: item.lease_id.S }),
  };
}

/** An open job as the `OpenJobs` index projects it. */
function openJobRefFromItem(item: Item): OpenJobRef {
  return {
    customer_id: readS(item, 'customer_id'),
    job_id: readS(item, 'job_id'),
    node_id: readS(item, 'node_id'),
    // The index holds open jobs only.
    status: readS(item, 'status') as OpenJobRef['status'],
    reserved_price_wei: readWei(item, 'reserved_price_wei'),
    created_at: readS(item, 'created_at'),
    due_at: readS(item, 'due_at'),
  };
}

export {
  commandFromItem,
  commandToItem,
  envelopeToItems,
  jobEnvelopesFromItems,
  jobFromItem,
  jobOrder,
  jobToItem,
  MAX_REQUEST_ENVELOPE_PARTS,
  openJobRefFromItem,
  openShardKey,
  openShardOf,
};
