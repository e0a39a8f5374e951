/** The customer's reads: a job, the account, a node's keys, and the key directory. */
import { availableWei, type Customer } from '../domain/account.js';
import { isId } from '../domain/ids.js';
import { jobView } from '../domain/job.js';
import { formatWei } from '../domain/money.js';
import { nodeView } from '../domain/node.js';
import { Problem } from '../domain/problems.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { ControlPlane } from './control-plane.js';
import { admitCustomer, customerCredentials } from './customer-access.js';
import type { Snapshot } from '../adapters/dynamodb/control-plane-store.js';

/** Authenticates the caller while reading what the route names, in one call. */
async function readAsCustomer(
  plane: ControlPlane,
  request: HttpRequest,
  names: { nodeId?: string; jobId?: string } = {},
): Promise<Snapshot & { customer: Customer }> {
  const credentials = customerCredentials(request);
  const snapshot = credentials.customerId === undefined ? {} : await plane.store.read({ customerId: credentials.customerId, ...names });
  const customer = admitCustomer(credentials, snapshot.customer, plane.rateLimiter, Date.now());
  return { ...snapshot, customer };
}

/** A path id that breaks its pattern names nothing: it is read as absent and answered 404. */
function pathId(request: HttpRequest, name: 'job_id' | 'node_id'): string | undefined {
  const value = request.pathParameters[name];
  return isId(name, value) ? value : undefined;
}

function accountView(customer: Customer, policyVersion: string) {
  const { account } = customer;
  return {
    customer_id: account.customer_id,
    balance_wei: formatWei(account.balance_wei),
    reserved_wei: formatWei(account.reserved_wei),
    available_wei: formatWei(availableWei(account)),
    policy_version: policyVersion,
  };
}

async function getJob(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const jobId = pathId(request, 'job_id');
  const { job } = await readAsCustomer(plane, request, jobId === undefined ? {} : { jobId });
  if (job === undefined) throw new Problem('job_not_found', 'no such job for this customer');
  return { status: 200, body: jobView(job) };
}

async function getAccount(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const { customer } = await readAsCustomer(plane, request);
  return { status: 200, body: accountView(customer, plane.pricing.policyVersion) };
}

async function getNode(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  const nodeId = pathId(request, 'node_id');
  const { node } = await readAsCustomer(plane, request, nodeId === undefined ? {} : { nodeId });
  if (node === undefined) throw new Problem('node_not_found', 'no enrolled node with that id');
  return { status: 200, body: nodeView(node.node) };
}

async function getKeyDirectory(plane: ControlPlane, request: HttpRequest): Promise<HttpResponse> {
  await readAsCustomer(plane, request);
  const directory = await plane.keyDirectory();
  return { status: 200, body: { algorithm: 'ECDSA_SHA_256', public_key_spki: directory.publicKeySpki } };
}

export { accountView, getAccount, getJob, getKeyDirectory, getNode };
