/** Lambda: the admin API (`X-B3IQ-Admin-Token`). */
import { apiHandler } from '../http/router.js';
import { createCustomer, creditCustomer, enrollNode, releaseStaleReservationsAsAdmin } from '../services/admin.js';
import { controlPlaneFromEnv } from '../services/control-plane.js';

const plane = controlPlaneFromEnv();

export const handler = apiHandler({
  'POST /v1/admin/customers': (request) => createCustomer(plane, request),
  'POST /v1/admin/customers/{customer_id}/credits': (request) => creditCustomer(plane, request),
  'PUT /v1/admin/nodes/{node_id}': (request) => enrollNode(plane, request),
  'POST /v1/admin/reservations/release-stale': (request) => releaseStaleReservationsAsAdmin(plane, request),
});
