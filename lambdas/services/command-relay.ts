/**
 * The outbox relay. Every new job's item is also its outbox entry: the table's stream hands it
 * here, and the relay sends the job's command to the node's queue. The job path sends the same
 * command right after its commit; SQS drops the second copy (same deduplication id), so the relay
 * only matters when that send failed or the process stopped after the commit. A job that is no
 * longer queued is not sent, and a node without a queue can never be reached, so its job fails
 * and its reservation is released at once.
 */
import { nodeCommand } from '../domain/job.js';
import { describeError, logger } from '../observability/logger.js';
import type { ControlPlane } from './control-plane.js';
import { releaseOpenJob } from './job-closing.js';

type RelayOutcome = 'sent' | 'not_queued' | 'released';

async function relayJob(plane: ControlPlane, customerId: string, jobId: string): Promise<RelayOutcome> {
  const found = await plane.store.getJobWithEnvelopes(customerId, jobId);
  const request = found?.envelopes.encrypted_request;
  if (found === undefined || found.job.status !== 'queued' || request == null) return 'not_queued';
  if ((await plane.queues.send(nodeCommand(found.job, request))) === 'sent') return 'sent';
  await releaseOpenJob(plane, found.job, { status: 'failed', reason: 'node_queue_missing' });
  return 'released';
}

/** Relays each new job; if any fails the whole batch fails, and is retried (every send is idempotent). */
async function relayNewJobs(plane: ControlPlane, jobs: { customerId: string; jobId: string }[]): Promise<RelayOutcome[]> {
  const settled = await Promise.allSettled(jobs.map((job) => relayJob(plane, job.customerId, job.jobId)));
  const failures = settled.filter((result) => result.status === 'rejected');
  for (const failure of failures) logger.error('relay failed; the batch will be retried', describeError(failure.reason));
  if (failures.length > 0) throw new Error(`${failures.length} of ${jobs.length} commands were not relayed`);
  return settled.map((result) => (result as PromiseFulfilledResult<RelayOutcome>).value);
}

export type { RelayOutcome };
export { relayNewJobs };
