/**
 * Settles an answered job: one transaction completes the job with its sealed answer and receipt,
 * debits the customer's reservation, adds the node's payout and the protocol fee, and publishes
 * the receipt. The receipt is checked by the caller, once, before it gets here. Every path that
 * ends a job with a debit goes through here (release, without one, is in job-closing.ts).
 */

import type { Envelope } from '@b3iq/protocol';
import { type Customer, debitReserved } from '../domain/account.js';
import type { Job } from '../domain/job.js';
import { envelopePurgeTime, isOpenStatus } from '../domain/job-lifecycle.js';
import { recordPayout } from '../domain/node-earnings.js';
import { recordJobEnded } from '../observability/metrics.js';
import type { ControlPlane } from './control-plane.js';
import { expireIfOverdue, holdsReservation } from './job-closing.js';
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
 * answers the job as it now stands either way, and whether this call settled it.
 */
async function settleAnsweredJob(
  plane: ControlPlane,
  read: { job: Job; customer: Customer },
  answer: CheckedAnswer,
): Promise<{ job: Job; settled: boolean }> {
  let { job, customer } = read;
  const ids = { customerId: job.customer_id, jobId: job.job_id };
  return retryOnConflict<{ job: Job; settled: boolean }>(async () => {
    job = await expireIfOverdue(plane, job, customer);
    if (!isOpenStatus(job.status)) return done({ job, settled: false });
    if (!holdsReservation(customer, job)) {
      // The account was read after the job closed: read both again.
      const snapshot = await plane.store.read(ids);
      if (snapshot.job === undefined || snapshot.customer === undefined) return done({ job, settled: false });
      job = snapshot.job;
      customer = snapshot.customer;
      return RETRY.afterPause;
    }
    const at = plane.now().toISOString();
    const hash = answer.receiptHash;
    const earnings = await plane.store.getEarnings(job.node_id);
    const payout = recordPayout(earnings, job.quote, `${job.customer_id}:${job.job_id}`, job.job_id, hash, at);
    const outcome = await plane.store.settleJob({
      job,
      customer: {
        change: debitReserved(customer.account, job.quote.reserved_price_wei, job.job_id, hash, at),
        expectedVersion: customer.account.version,
      },
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
      case 'account_changed':
        customer = outcome.customer ?? (await plane.store.getCustomer(job.customer_id)) ?? customer;
        return RETRY.afterAccountConflict;
      case 'earnings_changed':
        return RETRY.afterPause;
    }
  });
}

export type { CheckedAnswer };
export { settleAnsweredJob };
