/** The customer's reads: a job, the account, a node's keys, and the key directory. */
import { accountView } from '../domain/account.js';
import { billingJobView, jobView } from '../domain/job.js';
import { nodeView } from '../domain/node.js';
import { Problem } from '../domain/problems.js';
import { receiptView } from '../domain/receipt.js';
import { RECEIPT_HASH } from '../domain/schemas/fields.js';
import { USAGE_QUERY } from '../domain/schemas/requests.js';
import type { KeyDirectoryView } from '../domain/schemas/responses.js';
import { patternOf } from '../domain/schemas/schema.js';
import { usageView } from '../domain/usage.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { ControlPlane } from './control-plane.js';
import { pathId, readAsCustomer, readJobAsCustomer } from './customer-access.js';

async function getJob(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const { job, envelopes } = await readJobAsCustomer(plane, request);
  return { status: 200, body: jobView(job, envelopes) };
}

async function getAccount(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const { customer } = await readAsCustomer(plane, request);
  return { status: 200, body: accountView(customer.account, plane.pricing.policyVersion) };
}

async function getNode(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const nodeId = pathId(request, 'node_id');
  const { node } = await readAsCustomer(plane, request, nodeId === undefined ? {} : { nodeId });
  if (node === undefined) throw new Problem('node_not_found', 'no enrolled node with that id');
  return { status: 200, body: nodeView(node.node, plane.now()) };
}

async function getKeyDirectory(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  await readAsCustomer(plane, request);
  const directory = await plane.keyDirectory();
  return { status: 200, body: { algorithm: 'ECDSA_SHA_256', public_key_spki: directory.publicKeySpki } satisfies KeyDirectoryView };
}

async function getBillingJob(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const jobId = pathId(request, 'job_id');
  const { job } = await readAsCustomer(plane, request, jobId === undefined ? {} : { jobId });
  if (job === undefined) throw new Problem('job_not_found', 'no such job for this customer');
  return { status: 200, body: billingJobView(job) };
}

/** A positive integer query parameter within bounds, or 400. */
function queryInteger(request: HttpRequest, name: string, fallback: number, max: number): number {
  const raw = request.query[name];
  if (raw === undefined) return fallback;
  const value = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max)) throw new Problem('invalid_request', `"${name}" must be an integer from 1 to ${max}`);
  return value;
}

/** The most ledger rows a usage window totals; beyond it, ask for a shorter window. */
const MAX_USAGE_ROWS = 10_000;

async function getUsage(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const { customer } = await readAsCustomer(plane, request);
  const { window_days: windowQuery, limit: limitQuery } = USAGE_QUERY.properties;
  const windowDays = queryInteger(request, 'window_days', windowQuery.default, windowQuery.maximum);
  const limit = queryInteger(request, 'limit', limitQuery.default, limitQuery.maximum);
  const now = plane.now();
  const since = new Date(now.getTime() - windowDays * 86_400_000).toISOString();
  const rows = await plane.store.ledger(customer.account.customer_id, MAX_USAGE_ROWS, since);
  return { status: 200, body: usageView(customer.account.customer_id, rows, limit, now) };
}

/** Public: a receipt by its hash, with nothing that identifies the customer. */
async function getReceipt(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const hash = request.pathParameters.receipt_hash;
  const stored = hash !== undefined && patternOf(RECEIPT_HASH).test(hash) ? await plane.store.getReceipt(hash) : undefined;
  if (stored === undefined) throw new Problem('receipt_not_found', 'no receipt with that hash');
  return { status: 200, body: receiptView(stored) };
}

export { getAccount, getBillingJob, getJob, getKeyDirectory, getNode, getReceipt, getUsage };
