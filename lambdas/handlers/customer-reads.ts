/** Lambda: the customer's reads, public receipts, and the answer to unknown routes and methods. */
import { apiHandler } from '../http/router.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';
import { getAccount, getBillingJob, getJob, getKeyDirectory, getNode, getReceipt, getUsage } from '../services/customer-reads.js';
import { getOpenApiDocument } from '../services/openapi.js';

const plane = controlPlaneFromEnv();

export const handler = apiHandler({
  'GET /v1/private-inference/jobs/{job_id}': (request) => getJob(plane, request),
  'GET /v1/private-inference/nodes/{node_id}': (request) => getNode(plane, request),
  'GET /v1/private-inference/key-directory': (request) => getKeyDirectory(plane, request),
  'GET /v1/billing/account': (request) => getAccount(plane, request),
  'GET /v1/billing/jobs/{job_id}': (request) => getBillingJob(plane, request),
  'GET /v1/billing/usage': (request) => getUsage(plane, request),
  'GET /v1/receipts/{receipt_hash}': (request) => getReceipt(plane, request),
  'GET /v1/openapi.json': () => getOpenApiDocument(),
});
