/**
 * The operation catalogue of the OpenAPI document: for every route of `routes.ts` (the compiler
 * checks there is one each), its id, summary, credentials, request body or query, its answer and
 * the problem codes it can answer. Bodies and answers are the declarations of
 * `domain/schemas/` that the parsers validate with and the views are typed from.
 *
 * API Gateway request models are deliberately not wired: the gateway validates before the
 * Lambda runs, so a bad body would be answered 400 before the credentials are checked (the
 * contract answers 401 first) and with the gateway's own error shape.
 */

import {
  ACCOUNT_VIEW,
  BILLING_JOB_VIEW,
  CANCEL,
  COMMAND_ID,
  CREATE_CUSTOMER,
  CREATE_TOKEN,
  CREATE_WEBHOOK_ENDPOINT,
  CREDIT,
  CUSTOMER_CREATED,
  ENVELOPE,
  FAILURE,
  ID_SCHEMAS,
  JOB_ACCEPTED,
  JOB_LIST,
  JOB_LIST_QUERY,
  JOB_REQUEST,
  JOB_VIEW,
  KEY_DIRECTORY_VIEW,
  LEASE,
  NODE_ENROLLMENT,
  NODE_JOB_VIEW,
  NODE_LIST,
  NODE_LIST_QUERY,
  NODE_VIEW,
  OPENAPI_DOCUMENT,
  POSITIVE_WEI,
  PULL,
  PULLED_COMMANDS,
  RECEIPT_HASH,
  RECEIPT_VIEW,
  RELEASE_STALE,
  RESULT,
  STALE_RESERVATIONS,
  TIMESTAMP,
  TOKEN_CREATED,
  TOKEN_LIST,
  TOKEN_VIEW,
  USAGE_QUERY,
  USAGE_VIEW,
  WEBHOOK_ENDPOINT_CREATED,
  WEBHOOK_ENDPOINT_LIST,
  WEBHOOK_ENDPOINT_VIEW,
  WEI,
} from '@b3iq/protocol';
import { MAX_ACTIVE_TOKENS } from '../domain/customer-tokens.js';
import { PROBLEM_BODY, type ProblemCode } from '../domain/problems.js';
import { MAX_ENDPOINTS_PER_CUSTOMER } from '../domain/webhooks.js';
import type { Catalogue, DocumentedOperation } from './openapi-render.js';
import { API_ROUTES } from './routes.js';

/** Exactly the routes of the table (a route key is a method with its own path). */
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
type Route = KeyOf<(typeof API_ROUTES)[number]>;

type Access = 'customer' | 'admin' | 'node' | 'public';

interface Operation extends Pick<DocumentedOperation, 'id' | 'summary' | 'body' | 'bodyOptional' | 'query' | 'ok'> {
  access: Access;
  /** The problems the operation answers beyond those of its access and body. */
  problems: ProblemCode[];
}

const OPERATIONS: Record<Route, Operation> = {
  'POST /v1/private-inference/jobs': {
    id: 'submitJob',
    summary: 'Queue a job sealed to one node; reserves its quoted price',
    access: 'customer',
    body: JOB_REQUEST,
    ok: [202, JOB_ACCEPTED],
    problems: [
      'invalid_encrypted_request',
      'insufficient_balance',
      'max_price_exceeded',
      'node_not_found',
      'model_not_served',
      'node_unavailable',
      'stale_transport_key',
      'job_id_conflict',
    ],
  },
  'POST /v1/private-inference/jobs/{job_id}/cancel': {
    id: 'cancelJob',
    summary: 'Cancel a queued or claimed job (its reservation is released); answers the job as it now stands',
    access: 'customer',
    body: CANCEL,
    bodyOptional: true,
    ok: [200, JOB_VIEW],
    problems: ['job_not_found', 'job_not_cancellable'],
  },
  'POST /v1/webhooks/endpoints': {
    id: 'createWebhookEndpoint',
    summary: `Register a webhook endpoint (at most ${MAX_ENDPOINTS_PER_CUSTOMER}); its secret is shown only here`,
    access: 'customer',
    body: CREATE_WEBHOOK_ENDPOINT,
    ok: [201, WEBHOOK_ENDPOINT_CREATED],
    problems: [],
  },
  'GET /v1/webhooks/endpoints': {
    id: 'listWebhookEndpoints',
    summary: 'Webhook endpoints, without secrets',
    access: 'customer',
    ok: [200, WEBHOOK_ENDPOINT_LIST],
    problems: [],
  },
  'DELETE /v1/webhooks/endpoints/{endpoint_id}': {
    id: 'deleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint',
    access: 'customer',
    ok: [200, WEBHOOK_ENDPOINT_VIEW],
    problems: ['webhook_endpoint_not_found'],
  },
  'GET /v1/private-inference/jobs/{job_id}': {
    id: 'getJob',
    summary: 'A job',
    access: 'customer',
    ok: [200, JOB_VIEW],
    problems: ['job_not_found'],
  },
  'GET /v1/private-inference/jobs': {
    id: 'listJobs',
    summary: "The caller's jobs, newest first, without envelopes",
    access: 'customer',
    query: JOB_LIST_QUERY,
    ok: [200, JOB_LIST],
    problems: ['invalid_request'],
  },
  'GET /v1/private-inference/nodes': {
    id: 'listNodes',
    summary: 'The active nodes, by id',
    access: 'customer',
    query: NODE_LIST_QUERY,
    ok: [200, NODE_LIST],
    problems: ['invalid_request'],
  },
  'GET /v1/private-inference/nodes/{node_id}': {
    id: 'getNode',
    summary: "A node's models, prices, identity key and current transport keys, signed by the directory and by the node",
    access: 'customer',
    ok: [200, NODE_VIEW],
    problems: ['node_not_found'],
  },
  'GET /v1/private-inference/key-directory': {
    id: 'getKeyDirectory',
    summary: 'The public key that signs transport-key records',
    access: 'customer',
    ok: [200, KEY_DIRECTORY_VIEW],
    problems: [],
  },
  'GET /v1/billing/account': {
    id: 'getAccount',
    summary: 'Balance, reserved and available',
    access: 'customer',
    ok: [200, ACCOUNT_VIEW],
    problems: [],
  },
  'GET /v1/billing/jobs/{job_id}': {
    id: 'getBillingJob',
    summary: "A job's money",
    access: 'customer',
    ok: [200, BILLING_JOB_VIEW],
    problems: ['job_not_found'],
  },
  'GET /v1/billing/usage': {
    id: 'getUsage',
    summary: 'Ledger totals and entries of a window',
    access: 'customer',
    query: USAGE_QUERY,
    ok: [200, USAGE_VIEW],
    problems: ['invalid_request'],
  },
  'GET /v1/receipts/{receipt_hash}': {
    id: 'getReceipt',
    summary: 'A signed receipt by its hash (public)',
    access: 'public',
    ok: [200, RECEIPT_VIEW],
    problems: ['receipt_not_found'],
  },
  'GET /v1/openapi.json': {
    id: 'getOpenApi',
    summary: 'This document (public)',
    access: 'public',
    ok: [200, OPENAPI_DOCUMENT],
    problems: [],
  },
  'POST /v1/nodes/{node_id}/commands/pull': {
    id: 'pullCommands',
    summary: "Long-poll the node's queue; each command is claimed and leased",
    access: 'node',
    body: PULL,
    bodyOptional: true,
    ok: [200, PULLED_COMMANDS],
    problems: ['node_unavailable'],
  },
  'POST /v1/nodes/{node_id}/commands/{command_id}/lease': {
    id: 'extendLease',
    summary: "Extend a command's lease (0 gives it back); answers the job's status",
    access: 'node',
    body: LEASE,
    ok: [200, NODE_JOB_VIEW],
    problems: ['command_not_found', 'lease_expired'],
  },
  'POST /v1/nodes/{node_id}/commands/{command_id}/result': {
    id: 'postResult',
    summary: 'The sealed answer and the signed receipt; settles the job once',
    access: 'node',
    body: RESULT,
    ok: [200, NODE_JOB_VIEW],
    problems: ['command_not_found', 'invalid_encrypted_request', 'invalid_receipt', 'job_closed', 'lease_expired', 'rate_limited'],
  },
  'POST /v1/nodes/{node_id}/commands/{command_id}/failure': {
    id: 'postFailure',
    summary: 'The node could not answer: the job fails and its reservation is released',
    access: 'node',
    body: FAILURE,
    ok: [200, NODE_JOB_VIEW],
    problems: ['command_not_found', 'job_closed', 'lease_expired'],
  },
  'POST /v1/admin/customers': {
    id: 'createCustomer',
    summary: 'Create a customer; its token is shown only here',
    access: 'admin',
    body: CREATE_CUSTOMER,
    bodyOptional: true,
    ok: [201, CUSTOMER_CREATED],
    problems: ['customer_exists'],
  },
  'POST /v1/admin/customers/{customer_id}/credits': {
    id: 'creditCustomer',
    summary: 'Credit a customer, once per credit_id',
    access: 'admin',
    body: CREDIT,
    ok: [200, ACCOUNT_VIEW],
    problems: ['customer_not_found', 'credit_id_conflict'],
  },
  'POST /v1/admin/customers/{customer_id}/tokens': {
    id: 'createCustomerToken',
    summary: `Make another named token for a customer (at most ${MAX_ACTIVE_TOKENS} unrevoked; more is 400 invalid_request); the token is shown only here`,
    access: 'admin',
    body: CREATE_TOKEN,
    ok: [201, TOKEN_CREATED],
    problems: ['customer_not_found'],
  },
  'GET /v1/admin/customers/{customer_id}/tokens': {
    id: 'listCustomerTokens',
    summary: "A customer's tokens, revoked ones included; never a token or its hash",
    access: 'admin',
    ok: [200, TOKEN_LIST],
    problems: ['customer_not_found'],
  },
  'DELETE /v1/admin/customers/{customer_id}/tokens/{token_id}': {
    id: 'revokeCustomerToken',
    summary: 'Revoke a token (refused within 2 seconds on every path); revoking again answers the same',
    access: 'admin',
    ok: [200, TOKEN_VIEW],
    problems: ['customer_not_found', 'token_not_found'],
  },
  'PUT /v1/admin/nodes/{node_id}': {
    id: 'enrollNode',
    summary:
      "Enroll or update a node; with an identity key, each transport key carries the node's signature of its b3iq-node-key-statement-v1; new key records are signed here",
    access: 'admin',
    body: NODE_ENROLLMENT,
    ok: [200, NODE_VIEW],
    problems: ['node_not_found', 'transport_key_conflict'],
  },
  'POST /v1/admin/reservations/release-stale': {
    id: 'releaseStaleReservations',
    summary: 'List (dry_run, the default) or release reservations of overdue or old open jobs',
    access: 'admin',
    body: RELEASE_STALE,
    bodyOptional: true,
    ok: [200, STALE_RESERVATIONS],
    problems: [],
  },
};

/** Problems every operation of a kind can answer. The gateway's throttle answers 429 anywhere. */
const ACCESS_PROBLEMS: Record<Access, ProblemCode[]> = {
  customer: ['unauthorized'],
  admin: ['unauthorized'],
  node: ['invalid_signature', 'forbidden'],
  public: [],
};
const BODY_PROBLEMS: ProblemCode[] = ['invalid_request', 'payload_too_large', 'unsupported_media_type'];
const ALWAYS: ProblemCode[] = ['rate_limited', 'internal_error'];
/** Answered for paths and methods the document does not list. */
const UNROUTED: ProblemCode[] = ['not_found', 'method_not_allowed'];

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  customer: [{ customerId: [], customerToken: [] }],
  // One or the other, by the stage's CDK context `adminAuth`.
  admin: [{ adminToken: [] }, { adminSigV4: [] }],
  node: [{ nodeId: [], nodeTimestamp: [], nodeNonce: [], nodeSignature: [] }],
  public: [],
};

const apiKey = (name: string, description: string) => ({ type: 'apiKey', in: 'header', name, description });

const SECURITY_SCHEMES = {
  customerId: apiKey('X-B3IQ-Customer-ID', 'the customer id'),
  customerToken: apiKey('X-B3IQ-Customer-Token', "the customer's token, shown once at creation"),
  adminToken: apiKey(
    'X-B3IQ-Admin-Token',
    'the admin token (Secrets Manager), on a stage deployed with adminAuth=token (dev, the local stack)',
  ),
  adminSigV4: apiKey(
    'Authorization',
    "AWS Signature Version 4 (service execute-api) with the operator's own AWS credentials, on a stage deployed with adminAuth=iam (every stage but dev by default)",
  ),
  nodeId: apiKey('X-B3IQ-Node-ID', 'the node, signing with its enrolled Ed25519 identity key (b3iq-node-signature-v1)'),
  nodeTimestamp: apiKey('X-B3IQ-Timestamp', 'when the request was signed'),
  nodeNonce: apiKey('X-B3IQ-Nonce', 'a fresh nonce per request'),
  nodeSignature: apiKey('X-B3IQ-Signature', 'Ed25519 over method, path, timestamp, nonce and body'),
};

const PATH_PARAMETERS: Catalogue['pathParameters'] = {
  job_id: ID_SCHEMAS.job_id,
  node_id: ID_SCHEMAS.node_id,
  customer_id: ID_SCHEMAS.customer_id,
  token_id: ID_SCHEMAS.token_id,
  endpoint_id: WEBHOOK_ENDPOINT_VIEW.properties.endpoint_id,
  command_id: COMMAND_ID,
  receipt_hash: RECEIPT_HASH,
};

const DESCRIPTION = [
  'B3IQ private inference control plane, HTTP contract v1. Paths are relative to the stage URL (the api_url this document is served under).',
  'Request bodies are rendered from the schema declarations the Lambdas validate with. Every non-2xx answer is a Problem; clients branch on error.code.',
  'Order of checks, first failure wins: route (404 not_found for an unknown path, 405 method_not_allowed for a method it lacks), credentials (401), rate limit (429), media type (415), size (413), body (400 invalid_request),',
  'envelope (400 invalid_encrypted_request, or 413 for its ciphertext), then the resources named. An id in a path that breaks its pattern is answered 404.',
  'API Gateway does not validate requests against these schemas: it would answer 400 before the credentials are checked, which breaks that order.',
].join(' ');

/** Each route's operation, in the order of the route table, with every problem it can answer. */
const DOCUMENTED_OPERATIONS: DocumentedOperation[] = API_ROUTES.map((route) => {
  const { access, problems, ...op } = OPERATIONS[`${route.method} ${route.path}` as Route];
  return {
    method: route.method,
    path: route.path,
    ...op,
    security: SECURITY[access],
    problems: [...ACCESS_PROBLEMS[access], ...(op.body ? BODY_PROBLEMS : []), ...problems, ...ALWAYS],
  };
});

const CATALOGUE: Catalogue = {
  info: { title: 'B3IQ private inference', version: '1', description: DESCRIPTION },
  servers: [{ url: '..', description: 'the stage URL: this document is served at {api_url}/v1/openapi.json' }],
  fieldSchemas: [...Object.values(ID_SCHEMAS), WEI, POSITIVE_WEI, TIMESTAMP, ENVELOPE],
  pathParameters: PATH_PARAMETERS,
  operations: DOCUMENTED_OPERATIONS,
  problem: PROBLEM_BODY,
  securitySchemes: SECURITY_SCHEMES,
};

export { CATALOGUE, UNROUTED };
