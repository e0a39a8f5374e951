/**
 * `POST /v1/private-inference/jobs/{job_id}/cancel`: a queued or claimed job becomes `cancelled`
 * and its reservation is released; a cancelled or expired job (a job past its deadline expires
 * first) is answered as it stands; a completed or failed job cannot be cancelled. The node learns of it the next time it
 * touches the job (its lease, result or failure answers the job as closed).
 */

import { CANCEL } from '@b3iq/protocol';
import { jobView } from '../domain/job.js';
import { cancelDecision } from '../domain/job-lifecycle.js';
import { closedObject } from '../domain/json-object.js';
import { Problem } from '../domain/problems.js';
import type { ControlPlane } from './control-plane.js';
import { type CustomerCredentials, readJobAsCustomer } from './customer-access.js';
import { expireIfOverdue, releaseOpenJob } from './job-closing.js';

type JobView = ReturnType<typeof jobView>;

const notCancellable = (status: string) => new Problem('job_not_cancellable', `the job is ${status} and can no longer be cancelled`);

interface Cancellation {
  credentials: CustomerCredentials;
  /** The job to cancel; `undefined` when the path names none. */
  jobId: string | undefined;
  /** The body as JSON (`{}`: a cancel has no fields), read after the credentials' check. */
  readBody: () => unknown;
}

/** Cancels the job and answers it as it now stands. */
async function cancelJob(plane: ControlPlane, cancellation: Cancellation): Promise<JobView> {
  const { job, envelopes } = await readJobAsCustomer(plane, cancellation.credentials, cancellation.jobId, () =>
    closedObject(cancellation.readBody(), CANCEL),
  );
  const current = await expireIfOverdue(plane, job);
  const decision = cancelDecision(current.status);
  if (decision === 'refuse') throw notCancellable(current.status);
  const now =
    decision === 'release' ? (await releaseOpenJob(plane, current, { status: 'cancelled', reason: 'cancelled_by_customer' })).job : current;
  // A result may have settled the job while we cancelled it.
  if (cancelDecision(now.status) === 'refuse') throw notCancellable(now.status);
  return jobView(now, envelopes);
}

export type { Cancellation, JobView };
export { cancelJob };
