/** Lambda: the customer's writes: submit a job, cancel a job; register, list and delete webhook endpoints. */
import { isId } from '@b3iq/protocol';
import { resolveHost } from '../adapters/dns-resolver.js';
import { peekJsonFields } from '../http/request.js';
import { apiHandler, type RouteHandler } from '../http/router.js';
import { cancelJob } from '../services/cancel-job.js';
import type { ControlPlane } from '../services/control-plane.js';
import { withinRemainingTime } from '../services/request-deadline.js';
import { submitJob } from '../services/submit-job.js';
import { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookEndpoints, type WebhookUrls } from '../services/webhook-endpoints.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { customerCredentials, jsonBody, pathId } from './http-inputs.js';

/** `WEBHOOK_LOCAL_HTTP=true` on a stage configured for local development (CDK context `webhookLocalHttp`). */
function webhookUrlsFromEnv(env: NodeJS.ProcessEnv): WebhookUrls {
  return { rules: { allowLocalHttp: env.WEBHOOK_LOCAL_HTTP === 'true' }, resolve: resolveHost };
}

/** The routes on `plane`; a test may pass a plane with a part replaced. */
function customerJobRoutes(plane: ControlPlane, webhookUrls: WebhookUrls = webhookUrlsFromEnv(process.env)) {
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
    'POST /v1/webhooks/endpoints': async (request) => {
      const endpoint = await createWebhookEndpoint(plane, webhookUrls, {
        credentials: customerCredentials(request),
        readBody: jsonBody(request),
      });
      return { status: 201, body: endpoint };
    },
    'GET /v1/webhooks/endpoints': async (request) => ({
      status: 200,
      body: await listWebhookEndpoints(plane, customerCredentials(request)),
    }),
    'DELETE /v1/webhooks/endpoints/{endpoint_id}': async (request) => ({
      status: 200,
      body: await deleteWebhookEndpoint(plane, customerCredentials(request), request.pathParameters.endpoint_id),
    }),
  } satisfies Record<string, RouteHandler>;
}

const plane = controlPlaneFromEnv(process.env, { queues: true, tokenUses: true });

const handler = apiHandler(customerJobRoutes(plane), withinRemainingTime);

export { customerJobRoutes, handler, webhookUrlsFromEnv };
