/** Lambda: the customer's reads (and listings), public receipts, and the answer to unknown routes and methods. */
import { openApiAnswer } from '../http/openapi.js';
import { apiHandler, type RouteHandler } from '../http/router.js';
import type { ControlPlane } from '../services/control-plane.js';
import { getAccount, getBillingJob, getJob, getKeyDirectory, getNode, getReceipt, getUsage } from '../services/customer-reads.js';
import { listJobs, listNodes } from '../services/listings.js';
import { withinRemainingTime } from '../services/request-deadline.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { customerCredentials, pathId } from './http-inputs.js';

const ok = (body: unknown) => ({ status: 200, body });

/** The routes on `plane`; a test may pass a plane with a part replaced. */
function customerReadRoutes(plane: ControlPlane) {
  return {
    'GET /v1/private-inference/jobs': async (request) =>
      ok(
        await listJobs(plane, customerCredentials(request), {
          status: request.query.status,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      ),
    'GET /v1/private-inference/nodes': async (request) =>
      ok(
        await listNodes(plane, customerCredentials(request), {
          model_id: request.query.model_id,
          limit: request.query.limit,
          cursor: request.query.cursor,
        }),
      ),
    'GET /v1/private-inference/jobs/{job_id}': async (request) =>
      ok(await getJob(plane, customerCredentials(request), pathId(request, 'job_id'))),
    'GET /v1/private-inference/nodes/{node_id}': async (request) =>
      ok(await getNode(plane, customerCredentials(request), pathId(request, 'node_id'))),
    'GET /v1/private-inference/key-directory': async (request) => ok(await getKeyDirectory(plane, customerCredentials(request))),
    'GET /v1/billing/account': async (request) => ok(await getAccount(plane, customerCredentials(request))),
    'GET /v1/billing/jobs/{job_id}': async (request) =>
      ok(await getBillingJob(plane, customerCredentials(request), pathId(request, 'job_id'))),
    'GET /v1/billing/usage': async (request) =>
      ok(await getUsage(plane, customerCredentials(request), { window_days: request.query.window_days, limit: request.query.limit })),
    'GET /v1/receipts/{receipt_hash}': async (request) => ok(await getReceipt(plane, request.pathParameters.receipt_hash)),
    'GET /v1/openapi.json': async () => openApiAnswer(),
  } satisfies Record<string, RouteHandler>;
}

const handler = apiHandler(customerReadRoutes(controlPlaneFromEnv(process.env, {})), withinRemainingTime);

export { customerReadRoutes, handler };
