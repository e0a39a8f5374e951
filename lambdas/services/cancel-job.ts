/**
 * `POST /v1/private-inference/jobs/{job_id}/cancel`: a queued or claimed job becomes `cancelled`
 * and its reservation is released; a cancelled or expired job (a job past its deadline expires
 * first) is answered as it stands; a completed or failed job cannot be cancelled. The node learns of it the next time it
 * touches the job (its lease, result or failure answers the job as closed).
 */
import { jobView } from '../domain/job.js';
import { cancelDecision } from '../domain/job-lifecycle.js';
import { closedObject } from '../domain/json-object.js';
import { Problem } from '../domain/problems.js';
import { CANCEL } from '../domain/schemas/requests.js';
import { type HttpRequest, readJsonBody } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { ControlPlane } from './control-plane.js';
import { readJobAsCustomer } from './customer-access.js';
import { expireIfOverdue, releaseOpenJob } from './job-closing.js';

const notCancellable = (status: string) => new Problem('job_not_cancellable', `the job is ${status} and can no longer be cancelled`);

async function cancelJob(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const { customer, job, envelopes } = await readJobAsCustomer(plane, request, () =>
    closedObject(readJsonBody(request, { emptyIsObject: true }), CANCEL),
  );
  const current = await expireIfOverdue(plane, job, customer);
  const decision = cancelDecision(current.status);
  if (decision === 'refuse') throw notCancellable(current.status);
  const now =
    decision === 'release'
      ? (await releaseOpenJob(plane, current, { status: 'cancelled', reason: 'cancelled_by_customer' }, customer)).job
      : current;
  // A result may have settled the job while we cancelled it.
  if (cancelDecision(now.status) === 'refuse') throw notCancellable(now.status);
  return { status: 200, body: jobView(now, envelopes) };
}

export { cancelJob };
