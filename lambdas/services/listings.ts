/**
 * The customer's listings: their own jobs, newest first, and the active nodes. Each page is one
 * query on an index (ports/listings.ts) after the same credential and rate-limit checks as every
 * customer read; paging and cursors in domain/listing-page.ts.
 */
import {
  formatWei,
  isId,
  isTimestamp,
  JOB_LIST_QUERY,
  type JobList,
  type JobStatus,
  LIST_LIMIT,
  type ListedJob,
  type NodeList,
} from '@b3iq/protocol';
import { jobView } from '../domain/job.js';
import { integerField } from '../domain/json-object.js';
import { type CursorScope, decodeCursor, encodeCursor, planPage } from '../domain/listing-page.js';
import { Problem } from '../domain/problems.js';
import type { ControlPlane } from './control-plane.js';
import { type CustomerCredentials, readAsCustomer } from './customer-access.js';

/** The listing query as sent: text, each absent or not. */
interface ListQuery {
  limit?: string | undefined;
  cursor?: string | undefined;
}

/** `limit` as its schema bounds it (20 when absent), or 400: decimal digits only. */
function pageLimit(raw: string | undefined): number {
  const value = raw === undefined ? undefined : /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  return integerField({ limit: value }, 'limit', LIST_LIMIT);
}

function isJobStatus(value: string): value is JobStatus {
  return (JOB_LIST_QUERY.properties.status.enum as readonly string[]).includes(value);
}

/** `{created_at}#{job_id}`: the `CustomerJobs` sort key a jobs cursor carries. */
function isJobOrder(key: string): boolean {
  const at = key.indexOf('#');
  return at > 0 && isTimestamp(key.slice(0, at)) && isId('job_id', key.slice(at + 1));
}

/** The job's view without its envelopes (the listing never reads them). */
function listedJob(job: Parameters<typeof jobView>[0]): ListedJob {
  const {
    encrypted_request: _request,
    encrypted_response: _response,
    ...listed
  } = jobView(job, {
    encrypted_request: null,
    encrypted_response: null,
  });
  return listed;
}

/** `GET /v1/private-inference/jobs`: a page of the caller's jobs, newest first, with `status` only if given. */
async function listJobs(
  plane: ControlPlane,
  credentials: CustomerCredentials,
  query: ListQuery & { status?: string | undefined },
): Promise<JobList> {
  const { customer } = await readAsCustomer(plane, credentials);
  const { status } = query;
  if (status !== undefined && !isJobStatus(status)) {
    throw new Problem('invalid_request', `"status" must be one of ${JOB_LIST_QUERY.properties.status.enum.join(', ')}`);
  }
  const limit = pageLimit(query.limit);
  const scope: CursorScope = { listing: 'jobs', customerId: customer.customer_id, filter: status ?? null };
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope, isJobOrder);
  const found = await plane.store.customerJobsPage(customer.customer_id, { evaluate: limit + 1, after, status });
  const page = planPage(found.items, limit, (job) => `${job.created_at}#${job.job_id}`, found.lastEvaluated);
  return { jobs: page.items.map(listedJob), next_cursor: page.after === undefined ? null : encodeCursor(scope, page.after) };
}

/** `GET /v1/private-inference/nodes`: a page of the active nodes by id, those serving `model_id` only if given. */
async function listNodes(
  plane: ControlPlane,
  credentials: CustomerCredentials,
  query: ListQuery & { model_id?: string | undefined },
): Promise<NodeList> {
  const { customer } = await readAsCustomer(plane, credentials);
  const modelId = query.model_id;
  if (modelId !== undefined && !isId('model_id', modelId)) throw new Problem('invalid_request', '"model_id" is not a valid model id');
  const limit = pageLimit(query.limit);
  const scope: CursorScope = { listing: 'nodes', customerId: customer.customer_id, filter: modelId ?? null };
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope, (key) => isId('node_id', key));
  const found = await plane.store.activeNodesPage({ evaluate: limit + 1, after, modelId });
  const page = planPage(found.items, limit, (node) => node.node_id, found.lastEvaluated);
  return {
    nodes: page.items.map((node) => ({
      node_id: node.node_id,
      status: node.status,
      models: node.models.map((model) => ({ model_id: model.model_id, price_wei: formatWei(model.price_wei) })),
      last_seen_at: node.last_seen_at,
    })),
    next_cursor: page.after === undefined ? null : encodeCursor(scope, page.after),
  };
}

export type { ListQuery };
export { listJobs, listNodes };
