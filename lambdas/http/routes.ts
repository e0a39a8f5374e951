/**
 * Every route of the HTTP contract and the function that serves it. The CDK stack builds the
 * REST API from this table and each Lambda dispatches on it, so the two cannot drift apart.
 */

type ApiFunction = 'customer-jobs' | 'customer-reads' | 'admin' | 'node-api';

interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  function: ApiFunction;
}

const API_ROUTES = [
  { method: 'POST', path: '/v1/private-inference/jobs', function: 'customer-jobs' },
  { method: 'POST', path: '/v1/private-inference/jobs/{job_id}/cancel', function: 'customer-jobs' },
  { method: 'POST', path: '/v1/webhooks/endpoints', function: 'customer-jobs' },
  { method: 'GET', path: '/v1/webhooks/endpoints', function: 'customer-jobs' },
  { method: 'DELETE', path: '/v1/webhooks/endpoints/{endpoint_id}', function: 'customer-jobs' },
  { method: 'GET', path: '/v1/private-inference/jobs/{job_id}', function: 'customer-reads' },
  { method: 'GET', path: '/v1/private-inference/jobs', function: 'customer-reads' },
  { method: 'GET', path: '/v1/private-inference/nodes', function: 'customer-reads' },
  { method: 'GET', path: '/v1/private-inference/nodes/{node_id}', function: 'customer-reads' },
  { method: 'GET', path: '/v1/private-inference/key-directory', function: 'customer-reads' },
  { method: 'GET', path: '/v1/billing/account', function: 'customer-reads' },
  { method: 'GET', path: '/v1/billing/jobs/{job_id}', function: 'customer-reads' },
  { method: 'GET', path: '/v1/billing/usage', function: 'customer-reads' },
  { method: 'GET', path: '/v1/receipts/{receipt_hash}', function: 'customer-reads' },
  { method: 'GET', path: '/v1/openapi.json', function: 'customer-reads' },
  { method: 'POST', path: '/v1/nodes/{node_id}/commands/pull', function: 'node-api' },
  { method: 'POST', path: '/v1/nodes/{node_id}/commands/{command_id}/lease', function: 'node-api' },
  { method: 'POST', path: '/v1/nodes/{node_id}/commands/{command_id}/result', function: 'node-api' },
  { method: 'POST', path: '/v1/nodes/{node_id}/commands/{command_id}/failure', function: 'node-api' },
  { method: 'POST', path: '/v1/admin/customers', function: 'admin' },
  { method: 'POST', path: '/v1/admin/customers/{customer_id}/credits', function: 'admin' },
  { method: 'POST', path: '/v1/admin/customers/{customer_id}/tokens', function: 'admin' },
  { method: 'GET', path: '/v1/admin/customers/{customer_id}/tokens', function: 'admin' },
  { method: 'DELETE', path: '/v1/admin/customers/{customer_id}/tokens/{token_id}', function: 'admin' },
  { method: 'PUT', path: '/v1/admin/nodes/{node_id}', function: 'admin' },
  { method: 'POST', path: '/v1/admin/reservations/release-stale', function: 'admin' },
] as const satisfies readonly ApiRoute[];

type RouteKey = `${(typeof API_ROUTES)[number]['method']} ${(typeof API_ROUTES)[number]['path']}`;

const routeKey = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

/** The function that answers unknown routes (404) and unknown methods on known routes (405). */
const FALLBACK_FUNCTION: ApiFunction = 'customer-reads';

export type { ApiFunction, ApiRoute, RouteKey };
export { API_ROUTES, FALLBACK_FUNCTION, routeKey };
