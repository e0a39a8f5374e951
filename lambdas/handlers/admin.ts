/** Lambda: the admin API (`X-B3IQ-Admin-Token`, or AWS IAM checked by API Gateway: see services/admin.ts). */
import type { HttpRequest } from '../http/request.js';
import { apiHandler } from '../http/router.js';
import { createCustomer, creditCustomer, enrollNode, releaseStaleReservationsAsAdmin } from '../services/admin.js';
import { createCustomerToken, listCustomerTokens, revokeCustomerToken } from '../services/customer-tokens.js';
import { withinRemainingTime } from '../services/request-deadline.js';
import { controlPlaneFromEnv } from './control-plane-from-env.js';
import { jsonBody } from './http-inputs.js';

const plane = controlPlaneFromEnv(process.env, { queues: true, adminAuth: true });

const adminCall = (request: HttpRequest, options: { emptyIsObject?: boolean } = {}) => ({
  token: request.headers['x-b3iq-admin-token'],
  callerArn: request.callerArn,
  readBody: jsonBody(request, options),
});

const handler = apiHandler(
  {
    'POST /v1/admin/customers': async (request) => ({
      status: 201,
      body: await createCustomer(plane, adminCall(request, { emptyIsObject: true })),
    }),
    'POST /v1/admin/customers/{customer_id}/credits': async (request) => ({
      status: 200,
      body: await creditCustomer(plane, { ...adminCall(request), customerId: request.pathParameters.customer_id }),
    }),
    'POST /v1/admin/customers/{customer_id}/tokens': async (request) => ({
      status: 201,
      body: await createCustomerToken(plane, { ...adminCall(request), customerId: request.pathParameters.customer_id }),
    }),
    'GET /v1/admin/customers/{customer_id}/tokens': async (request) => ({
      status: 200,
      body: await listCustomerTokens(plane, { ...adminCall(request), customerId: request.pathParameters.customer_id }),
    }),
    'DELETE /v1/admin/customers/{customer_id}/tokens/{token_id}': async (request) => ({
      status: 200,
      body: await revokeCustomerToken(plane, {
        ...adminCall(request),
        customerId: request.pathParameters.customer_id,
        tokenId: request.pathParameters.token_id,
      }),
    }),
    'PUT /v1/admin/nodes/{node_id}': async (request) => ({
      status: 200,
      body: await enrollNode(plane, { ...adminCall(request), nodeId: request.pathParameters.node_id }),
    }),
    'POST /v1/admin/reservations/release-stale': async (request) => ({
      status: 200,
      body: await releaseStaleReservationsAsAdmin(plane, adminCall(request, { emptyIsObject: true })),
    }),
  },
  withinRemainingTime,
);

export { handler };
