/**
 * Settles an answered job: one transaction completes the job with its sealed answer and receipt,
 * debits the customer's reservation in the job's bucket, adds the node's payout and the protocol fee, and publishes
 * the receipt. The receipt is checked by the caller, once, before it gets here. Every path that
 * ends a job with a debit goes through here (release, without one, is in job-closing.ts).
 */

import type { Envelope } from '@b3iq/protocol';
import { debitEntry } from '../domain/account.js';
import { holdsNewestLease, type Job } from '../domain/job.js';
import { envelopePurgeTime, isOpenStatus } from '../domain/job-lifecycle.js';
import { closingEntryTime } from '../domain/ledger-totals.js';
import { recordPayout } from '../domain/node-earnings.js';
import { recordJobEnded } from '../observability/metrics.js';
import type { ControlPlane } from './control-plane.js';
import { expireIfOverdue, supersededLease } from './job-closing.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

/** A node's answer to a job, its receipt already accepted. */
interface CheckedAnswer {
  encryptedResponse: Envelope;
  receiptText: string;
  receiptHash: string;
  receiptSignature: string;
}

/**
 * Settles `job` with `answer` if it is still open (expiring it first if its deadline passed);
 * answers the job as it now stands either way, and whether this call settled it. With `leaseId` (a
 * node's result) it settles only while that is the command's newest lease, else 409 `lease_expired`.
 */
async function settleAnsweredJob(
  plane: ControlPlane,
  read: { job: Job },
  answer: CheckedAnswer,
  leaseId?: string,
): Promise<{ job: Job; settled: boolean }> {
  let { job } = read;
  return retryOnConflict<{ job: Job; settled: boolean }>(async () => {
    job = await expireIfOverdue(plane, job);
    if (!isOpenStatus(job.status)) return done({ job, settled: false });
    if (leaseId !== undefined && !holdsNewestLease(job, leaseId)) throw supersededLease();
    const at = closingEntryTime(job.created_at, plane.now());
    const hash = answer.receiptHash;
    const earnings = await plane.store.getEarnings(job.node_id);
    const payout = recordPayout(earnings, job.quote, `${job.customer_id}:${job.job_id}`, job.job_id, hash, at);
    const outcome = await plane.store.settleJob({
      job,
      entry: debitEntry(job.customer_id, job.quote.reserved_price_wei, job.job_id, hash, at),
      earnings: { next: payout.earnings, entries: payout.entries, expectedVersion: earnings.version },
      encryptedResponse: answer.encryptedResponse,
      responsePurgeAt: envelopePurgeTime(at, plane.jobWindows),
      receipt: {
        receipt_hash: hash,
        job_id: job.job_id,
        node_id: job.node_id,
        model_id: job.model_id,
        status: 'accepted',
        received_at: at,
        signature_ed25519: answer.receiptSignature,
        receipt_text: answer.receiptText,
      },
      settledAt: at,
      ...(leaseId === undefined ? {} : { leaseId }),
    });
    switch (outcome.type) {
      case 'closed':
        recordJobEnded('completed', answer.encryptedResponse.ciphertext);
        return done({
          job: { ...job, status: 'completed', billing_status: 'debited', receipt_hash: hash, completed_at: at },
          settled: true,
        });
      case 'job_changed':
        job = outcome.job;
        return RETRY.afterPause;
      case 'earnings_changed':
      case 'conflict':
        return RETRY.afterPause;
    }
  });
}

export type { CheckedAnswer };
export { settleAnsweredJob };
