/**
 * Jobs, their envelopes and their commands in DynamoDB. A job's partition holds the job and the
 * parts of its envelopes, so reading a job with its envelopes is one query. Reserving, releasing
 * (and settling, in earnings-store.ts) open or close a job together with its reservation bucket.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  PutItemCommand,
  TransactionConflictException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Job } from '../../domain/job.js';
import type { CloseOutcome, JobStore } from '../../services/ports/jobs.js';
import { ledgerRow } from './account-store.js';
import { n, s } from './attributes.js';
import { bucketAsItStood, bucketUpdate } from './bucket-items.js';
import { keys } from './items.js';
import {
  commandFromItem,
  commandToItem,
  envelopeToItems,
  jobEnvelopesFromItems,
  jobFromItem,
  jobToItem,
  MAX_REQUEST_ENVELOPE_PARTS,
  openShardOf,
} from './job-items.js';
import { getItem, type Table, wholePartition } from './table.js';
import { isNew, isNewOrAnswerExisting, type NamedWrite, type TransactionOutcome, transactWrite } from './transactions.js';

/**
 * Moves an open (queued or claimed) job to a terminal state and out of the `OpenJobs` index.
 * `deadline` adds a guard on its next deadline: `before` (settling: the deadline has not passed)
 * or `reached` (expiring: it has). `leaseId` (a node's report) adds one on the command's newest
 * lease, so a pull that hands the command out again meanwhile makes the report fail, not close the job.
 */
function closeJob(
  table: Table,
  job: Job,
  values: Record<string, AttributeValue>,
  deadline?: { before: string } | { reached: string },
  leaseId?: string,
): NamedWrite<'job'> {
  const names = Object.keys(values);
  const deadlineGuard = deadline === undefined ? '' : 'before' in deadline ? ' AND #due_at > :deadline' : ' AND #due_at <= :deadline';
  // A job claimed before leases were recorded has none: any lease of it may report (holdsNewestLease).
  const leaseGuard = leaseId === undefined ? '' : ' AND (attribute_not_exists(#lease_id) OR #lease_id = :lease_id)';
  const guard = `${deadlineGuard}${leaseGuard}`;
  return {
    name: 'job',
    write: {
      Update: {
        TableName: table.name,
        Key: keys.job(job.customer_id, job.job_id),
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')} REMOVE #open_shard, #due_at`,
        ConditionExpression: `#status IN (:queued, :claimed)${guard}`,
        ExpressionAttributeNames: Object.fromEntries(
          [...names, 'status', 'open_shard', 'due_at', ...(leaseId === undefined ? [] : ['lease_id'])].map((name) => [`#${name}`, name]),
        ),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name) => [`:${name}`, values[name] as AttributeValue])),
          ':queued': s('queued'),
          ':claimed': s('claimed'),
          ...(deadline === undefined ? {} : { ':deadline': s('before' in deadline ? deadline.before : deadline.reached) }),
          ...(leaseId === undefined ? {} : { ':lease_id': s(leaseId) }),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  };
}

/** Deletes of every part the job's request envelope can have (a part it does not have is no error). */
function requestEnvelopeDeletes(table: Table, job: Job): NamedWrite<'envelope'>[] {
  return Array.from({ length: MAX_REQUEST_ENVELOPE_PARTS }, (_, part) => ({
    name: 'envelope',
    write: { Delete: { TableName: table.name, Key: keys.envelopePart(job.customer_id, job.job_id, 'request', part) } },
  }));
}

/** A settle or release transaction's outcome, decided by which named write failed. */
function closeOutcome(outcome: TransactionOutcome<string>): CloseOutcome {
  if (outcome.type === 'committed') return { type: 'closed' };
  if (outcome.type === 'condition_failed') {
    if (outcome.name === 'job' && outcome.item !== undefined) return { type: 'job_changed', job: jobFromItem(outcome.item) };
    if (outcome.name === 'earnings') return { type: 'earnings_changed' };
    // The bucket's condition is a safety net: an open job's bucket always holds its reservation.
    if (outcome.name === 'bucket') throw new Error("the job's reservation bucket does not hold its reservation");
  }
  return { type: 'conflict' };
}

/** The job's bucket gives up its reservation: a `debit` (settled) or a `release` (closed without one). */
function closeReservation(table: Table, job: Job, change: 'debit' | 'release'): NamedWrite<'bucket'> {
  return bucketUpdate(table, 'bucket', job.customer_id, job.reservation_bucket, change, job.quote.reserved_price_wei);
}

/** Tries of the fence before giving up (each a PutItem; a conflict means the transaction is still in flight). */
const FENCE_TRIES = 5;

/**
 * Settles a reservation whose outcome could not be learnt in time (transactions.ts): puts a fence
 * on its command's key, which is new and random and named by nothing else. The reservation's
 * command Put requires that key to be free, so once the fence stands the reservation can never
 * commit: `false`. If the key already holds the command, it committed: `true`. A fence left by an
 * earlier try of this same call answers `false` again.
 */
async function fenceOrFind(table: Table, commandId: string, expiresAt: number): Promise<boolean> {
  for (let tries = 1; ; tries += 1) {
    try {
      await table.client.send(
        new PutItemCommand({
          TableName: table.name,
          Item: { ...keys.command(commandId), entity: s('command_fence'), expires_at: n(expiresAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return false;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const found = error.Item ?? (await getItem(table, keys.command(commandId)));
        return found?.entity?.S === 'command';
      }
      // The transaction still holds the key, or the put's own answer was lost: try again.
      if (tries >= FENCE_TRIES) throw error;
      await sleep(50);
    }
  }
}

/**
 * One conditional update of a job that may also set its newest lease (`:lease`); answers the job as it
 * now stands either way, `undefined` if there is none, or `held` while a transaction in flight keeps the write out.
 */
async function updateJob(
  table: Table,
  customerId: string,
  jobId: string,
  update: {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
    leaseId: string;
  },
): Promise<Job | undefined | 'held'> {
  try {
    const result = await table.client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: keys.job(customerId, jobId),
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: update.ConditionExpression,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':claimed': s('claimed'), ':lease': s(update.leaseId) },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return result.Attributes === undefined ? undefined : jobFromItem(result.Attributes);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return error.Item === undefined ? undefined : jobFromItem(error.Item);
    // A transaction in flight (a cancel, a result, an expiry) holds the job: DynamoDB refuses the write.
    if (error instanceof TransactionConflictException) return 'held';
    throw error;
  }
}

function jobStore(table: Table): JobStore {
  return {
    async reserveForJob(job, encryptedRequest, entry, { purgeAt }) {
      const ref = { command_id: job.command_id, customer_id: job.customer_id, job_id: job.job_id, node_id: job.node_id };
      const outcome = await transactWrite(
        table.client,
        [
          { name: 'job', write: { Put: { TableName: table.name, Item: jobToItem(job), ...isNewOrAnswerExisting } } },
          bucketUpdate(table, 'bucket', job.customer_id, job.reservation_bucket, 'reserve', job.quote.reserved_price_wei),
          ledgerRow(table, entry),
          { name: 'command', write: { Put: { TableName: table.name, Item: commandToItem(ref, purgeAt), ...isNew } } },
          ...envelopeToItems(job.customer_id, job.job_id, 'request', encryptedRequest, purgeAt).map((item) => ({
            name: 'envelope' as const,
            write: { Put: { TableName: table.name, Item: item, ...isNew } },
          })),
        ],
        { settleUnknown: () => fenceOrFind(table, job.command_id, purgeAt) },
      );
      if (outcome.type === 'committed') return { type: 'reserved' };
      if (outcome.type === 'condition_failed') {
        if (outcome.name === 'job' && outcome.item !== undefined) return { type: 'job_exists', job: jobFromItem(outcome.item) };
        if (outcome.name === 'bucket') return { type: 'bucket_short', bucket: bucketAsItStood(job.reservation_bucket, outcome.item) };
      }
      return { type: 'conflict' };
    },

    async getJobWithEnvelopes(customerId, jobId) {
      const items = await wholePartition(table, keys.jobPartition(customerId, jobId));
      const jobItem = items.find((item) => item.sk?.S === 'JOB');
      return jobItem === undefined ? undefined : { job: jobFromItem(jobItem), envelopes: jobEnvelopesFromItems(items) };
    },

    async claimJob(customerId, jobId, claimedAt, leaseId) {
      const claimed = await updateJob(table, customerId, jobId, {
        UpdateExpression: 'SET #status = :claimed, claimed_at = :at, due_at = completion_deadline, open_shard = :shard, lease_id = :lease',
        ConditionExpression: '#status = :queued AND claim_deadline > :at',
        ExpressionAttributeValues: {
          ':queued': s('queued'),
          ':at': s(claimedAt),
          ':shard': s(openShardOf(customerId, jobId, 'claimed')),
        },
        leaseId,
      });
      if (claimed === 'held' || claimed?.status !== 'claimed' || claimed.lease_id === leaseId) return claimed;
      // Claimed by an earlier delivery: this delivery's lease is now the newest, and the earlier one is superseded.
      return updateJob(table, customerId, jobId, {
        UpdateExpression: 'SET lease_id = :lease',
        ConditionExpression: '#status = :claimed',
        leaseId,
      });
    },

    async findCommand(commandId) {
      const item = await getItem(table, keys.command(commandId));
      return item?.entity?.S === 'command' ? commandFromItem(item) : undefined;
    },

    async releaseJob(release) {
      const { job } = release;
      const outcome = await transactWrite(table.client, [
        closeJob(
          table,
          job,
          {
            status: s(release.status),
            billing_status: s('released'),
            completed_at: s(release.releasedAt),
            close_reason: s(release.reason),
          },
          release.dueBy === undefined ? undefined : { reached: release.dueBy },
          release.leaseId,
        ),
        closeReservation(table, job, 'release'),
        ledgerRow(table, release.entry),
        // Nothing will read the request again: purge it now, not at the end of its retention.
        ...requestEnvelopeDeletes(table, job),
      ]);
      return closeOutcome(outcome);
    },
  };
}

export { closeJob, closeOutcome, closeReservation, jobStore };
