/**
 * The customer's webhook endpoints (domain/webhooks.ts): register one (its secret answered here
 * only), list them with their status, delete one. Order of checks: credentials, then the body,
 * then the cap and the endpoint.
 */
import type { WebhookEndpointCreated, WebhookEndpointList, WebhookEndpointView } from '@b3iq/protocol';
import { Problem } from '../domain/problems.js';
import {
  endpointView,
  HEALTHY,
  MAX_ENDPOINTS_PER_CUSTOMER,
  newEndpointId,
  newWebhookSecret,
  parseEndpointRequest,
  type Resolve,
  type UrlRules,
} from '../domain/webhooks.js';
import type { ControlPlane } from './control-plane.js';
import { type CustomerCredentials, readAsCustomer } from './customer-access.js';
import { done, RETRY, retryOnConflict } from './retry-on-conflict.js';

/** How the URLs of this stage are checked: its rules, and the resolver a name is looked up with. */
interface WebhookUrls {
  rules: UrlRules;
  resolve: Resolve;
}

/** `POST /v1/webhooks/endpoints`: a new endpoint and its signing secret (at most MAX_ENDPOINTS_PER_CUSTOMER). */
async function createWebhookEndpoint(
  plane: ControlPlane,
  urls: WebhookUrls,
  call: { credentials: CustomerCredentials; readBody: () => unknown },
): Promise<WebhookEndpointCreated> {
  const { customer } = await readAsCustomer(plane, call.credentials);
  const { url, events } = await parseEndpointRequest(call.readBody(), urls.rules, urls.resolve);
  const endpoint = { endpoint_id: newEndpointId(), url, events, secret: newWebhookSecret(), created_at: plane.now().toISOString() };
  return retryOnConflict(async () => {
    const stored = await plane.store.readWebhookEndpoints(customer.customer_id);
    if (stored.endpoints.length >= MAX_ENDPOINTS_PER_CUSTOMER) {
      throw new Problem('invalid_request', `a customer may have at most ${MAX_ENDPOINTS_PER_CUSTOMER} webhook endpoints; delete one first`);
    }
    const written = await plane.store.writeWebhookEndpoints(customer.customer_id, stored.version, [...stored.endpoints, endpoint]);
    if (written === 'conflict') return RETRY.afterPause;
    return done({ ...endpointView(endpoint, HEALTHY, plane.now()), secret: endpoint.secret });
  });
}

/** `GET /v1/webhooks/endpoints`: every endpoint with its status, never a secret. */
async function listWebhookEndpoints(plane: ControlPlane, credentials: CustomerCredentials): Promise<WebhookEndpointList> {
  const { customer } = await readAsCustomer(plane, credentials);
  const { endpoints } = await plane.store.readWebhookEndpoints(customer.customer_id);
  const health = await plane.store.readEndpointHealth(
    customer.customer_id,
    endpoints.map((endpoint) => endpoint.endpoint_id),
  );
  const now = plane.now();
  return { endpoints: endpoints.map((endpoint) => endpointView(endpoint, health.get(endpoint.endpoint_id) ?? HEALTHY, now)) };
}

/** `DELETE /v1/webhooks/endpoints/{endpoint_id}`: the endpoint as it was; it gets no event after this (404 if unknown). */
async function deleteWebhookEndpoint(
  plane: ControlPlane,
  credentials: CustomerCredentials,
  endpointId: string | undefined,
): Promise<WebhookEndpointView> {
  const { customer } = await readAsCustomer(plane, credentials);
  return retryOnConflict(async () => {
    const stored = await plane.store.readWebhookEndpoints(customer.customer_id);
    const endpoint = stored.endpoints.find((entry) => entry.endpoint_id === endpointId);
    if (endpoint === undefined) throw new Problem('webhook_endpoint_not_found', 'no such webhook endpoint for this customer');
    const rest = stored.endpoints.filter((entry) => entry !== endpoint);
    if ((await plane.store.writeWebhookEndpoints(customer.customer_id, stored.version, rest)) === 'conflict') return RETRY.afterPause;
    const health = await plane.store.readEndpointHealth(customer.customer_id, [endpoint.endpoint_id]);
    return done(endpointView(endpoint, health.get(endpoint.endpoint_id) ?? HEALTHY, plane.now()));
  });
}

export type { WebhookUrls };
export { createWebhookEndpoint, deleteWebhookEndpoint, listWebhookEndpoints };
