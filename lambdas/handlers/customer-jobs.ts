/** Lambda: the customer's writes: submit a job, cancel a job. */
import { isId } from '@b3iq/protocol';
import { peekJsonFields } from '../http/request.js';
import { apiHandler, type RouteHandler } from '../http/router.js';
import { cancelJob } from '../services/cancel-job.js';
import type { ControlPlane } from '../services/control-plane.js';
import { withinRemainingTime } from '../services/request-deadline.js';
import { submitJob } from '../services/submit-job.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { customerCredentials, jsonBody, pathId } from './http-inputs.js';

/** The routes on `plane`; a test may pass a plane with a part replaced. */
function customerJobRoutes(plane: ControlPlane) {
  return {
    'POST /v1/private-inference/jobs': async (request) => {
      // Peek at the ids the body names, before it is checked, to read them with the account in one call.
      const named = peekJsonFields(request, ['node_id', 'job_id']);
      const acceptance = await submitJob(plane, {
        credentials: customerCredentials(request),
        named: {
          ...(isId('node_id', named.node_id) ? { nodeId: named.node_id } : {}),
          ...(isId('job_id', named.job_id) ? { jobId: named.job_id } : {}),
        },
        readBody: jsonBody(request),
      });
      return { status: 202, body: acceptance };
    },
    'POST /v1/private-inference/jobs/{job_id}/cancel': async (request) => {
      const job = await cancelJob(plane, {
        credentials: customerCredentials(request),
        jobId: pathId(request, 'job_id'),
        readBody: jsonBody(request, { emptyIsObject: true }),
      });
      return { status: 200, body: job };
    },
  } satisfies Record<string, RouteHandler>;
}

const plane = controlPlaneFromEnv(process.env, { queues: true, tokenUses: true });

const handler = apiHandler(customerJobRoutes(plane), withinRemainingTime);

export { customerJobRoutes, handler };
