/**
 * The OpenAPI 3.1 document of the HTTP contract, served at `GET /v1/openapi.json`. Request bodies
 * are rendered from the declarations in `domain/schemas/` that the parsers validate with, so the
 * document and the validation cannot drift apart; the answers are declared here, next to the
 * route table they describe. Every route of `routes.ts` must have an operation (the compiler
 * checks it), and each operation lists the problem codes it can answer.
 *
 * API Gateway request models are deliberately not wired: the gateway validates before the
 * Lambda runs, so a bad body would be answered 400 before the credentials are checked (the
 * contract answers 401 first) and with the gateway's own error shape.
 */
import type { LedgerKind } from '../domain/account.js';
import type { BillingStatus, JobStatus } from '../domain/job.js';
import { PROBLEMS, type ProblemCode } from '../domain/problems.js';
import { ENVELOPE } from '../domain/schemas/envelope.js';
import { ID_SCHEMAS, POSITIVE_WEI, RECEIPT_HASH, TIMESTAMP, WEI } from '../domain/schemas/fields.js';
import {
  CANCEL,
  CREATE_CUSTOMER,
  CREDIT,
  FAILURE,
  JOB_REQUEST,
  LEASE,
  MODEL_OFFER,
  NODE_ENROLLMENT,
  NODE_STATUS,
  PULL,
  RELEASE_STALE,
  RESULT,
  USAGE_QUERY,
} from '../domain/schemas/requests.js';
import { base64urlLength, type ObjectSchema, type Schema, type StringSchema } from '../domain/schemas/schema.js';
import { API_ROUTES } from './routes.js';

/** Exactly the routes of the table (a route key is a method with its own path). */
type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
type Route = KeyOf<(typeof API_ROUTES)[number]>;

/** A string union's values, which the compiler checks are all of them. */
const everyValue =
  <T extends string>() =>
  <const A extends readonly T[]>(...values: A & ([T] extends [A[number]] ? unknown : never)): A =>
    values;

const JOB_STATUS = {
  type: 'string',
  enum: everyValue<JobStatus>()('queued', 'claimed', 'completed', 'failed', 'expired', 'cancelled'),
} as const;
const BILLING_STATUS = { type: 'string', enum: everyValue<BillingStatus>()('reserved', 'debited', 'released') } as const;
const LEDGER_KIND = { type: 'string', enum: everyValue<LedgerKind>()('credit', 'reserve', 'release', 'debit') } as const;
const OPTIONAL_RECEIPT_HASH = { ...RECEIPT_HASH, nullable: true, description: 'set once the job completed' } as const;
const OPTIONAL_TIMESTAMP = { ...TIMESTAMP, nullable: true } as const;
const BASE64URL = { type: 'string', pattern: '^[A-Za-z0-9_-]*$' } as const;
/** `cmd-<uuid>`, unique across customers. */
const COMMAND_ID = { type: 'string', name: 'CommandId', minLength: 1, maxLength: 128 } as const;

/** A closed object whose every property is required unless listed in `optional`. */
function answer(
  properties: Record<string, Schema>,
  options: { name?: string; optional?: string[]; description?: string } = {},
): ObjectSchema {
  const required = Object.keys(properties).filter((name) => !options.optional?.includes(name));
  return {
    type: 'object',
    properties,
    required,
    ...(options.name ? { name: options.name } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}

const BILLING = answer(
  {
    customer_id: ID_SCHEMAS.customer_id,
    policy_version: { type: 'string' },
    quoted_price_wei: WEI,
    reserved_price_wei: WEI,
    payout_price_wei: WEI,
    status: BILLING_STATUS,
  },
  { name: 'Billing' },
);

const JOB_ACCEPTED = answer(
  {
    status: { type: 'string', enum: ['queued'] },
    job_id: ID_SCHEMAS.job_id,
    node_id: ID_SCHEMAS.node_id,
    command_id: COMMAND_ID,
    billing: BILLING,
    created_at: TIMESTAMP,
  },
  { name: 'JobAccepted', description: 'An identical repeat of the request answers this body again' },
);

const JOB = answer(
  {
    job_id: ID_SCHEMAS.job_id,
    node_id: ID_SCHEMAS.node_id,
    model_id: ID_SCHEMAS.model_id,
    status: JOB_STATUS,
    encrypted_request: { ...ENVELOPE, nullable: true },
    encrypted_response: { ...ENVELOPE, nullable: true },
    receipt_hash: OPTIONAL_RECEIPT_HASH,
    billing: BILLING,
    created_at: TIMESTAMP,
    claim_deadline: TIMESTAMP,
    completion_deadline: TIMESTAMP,
    completed_at: OPTIONAL_TIMESTAMP,
  },
  { name: 'Job', description: 'Envelopes are null before there is one and once retention purged them' },
);

const BILLING_JOB = answer({
  job_id: ID_SCHEMAS.job_id,
  node_id: ID_SCHEMAS.node_id,
  model_id: ID_SCHEMAS.model_id,
  status: JOB_STATUS,
  billing_status: BILLING_STATUS,
  customer_id: ID_SCHEMAS.customer_id,
  quoted_price_wei: WEI,
  reserved_price_wei: WEI,
  payout_price_wei: WEI,
  receipt_hash: OPTIONAL_RECEIPT_HASH,
  created_at: TIMESTAMP,
  completed_at: OPTIONAL_TIMESTAMP,
});

const ACCOUNT = answer(
  { customer_id: ID_SCHEMAS.customer_id, balance_wei: WEI, reserved_wei: WEI, available_wei: WEI, policy_version: { type: 'string' } },
  { name: 'Account' },
);

const USAGE = answer({
  status: { type: 'string', enum: ['ok'] },
  customer_id: ID_SCHEMAS.customer_id,
  generated_at: TIMESTAMP,
  totals: { type: 'array', items: answer({ kind: LEDGER_KIND, count: { type: 'integer', minimum: 0 }, amount_wei: WEI }) },
  entries: {
    type: 'array',
    description: 'newest first',
    items: answer({
      entry_id: { type: 'string' },
      private_job_id: { type: 'string', nullable: true },
      receipt_hash: { ...RECEIPT_HASH, nullable: true },
      kind: LEDGER_KIND,
      amount_wei: WEI,
      balance_after_wei: WEI,
      reserved_after_wei: WEI,
      created_at: TIMESTAMP,
    }),
  },
});

const NODE = answer(
  {
    node_id: ID_SCHEMAS.node_id,
    status: NODE_STATUS,
    models: { type: 'array', items: MODEL_OFFER },
    transport_keys: {
      type: 'array',
      description: 'the keys current now; verify each signed_record against the key directory',
      items: answer({
        key_id: ID_SCHEMAS.key_id,
        public_key_x25519: { type: 'string', bytes: 32 },
        signed_record: { type: 'string', description: 'JSON text of a b3iq-node-transport-key-v1 record' },
        signature: { ...BASE64URL, description: "DER ECDSA P-256 SHA-256 signature of signed_record's UTF-8 bytes by the KMS signing key" },
        valid_until: OPTIONAL_TIMESTAMP,
      }),
    },
  },
  { name: 'Node' },
);

const KEY_DIRECTORY = answer({
  algorithm: { type: 'string', enum: ['ECDSA_SHA_256'] },
  public_key_spki: { ...BASE64URL, description: 'DER SubjectPublicKeyInfo of the KMS signing key' },
});

const RECEIPT = answer({
  receipt_hash: RECEIPT_HASH,
  job_id: ID_SCHEMAS.job_id,
  node_id: ID_SCHEMAS.node_id,
  model_id: ID_SCHEMAS.model_id,
  status: { type: 'string', enum: ['accepted'] },
  received_at: TIMESTAMP,
  signature_ed25519: { type: 'string', bytes: 64 },
  receipt: { type: 'object', properties: { type: { type: 'string', enum: ['b3iq-receipt-v1'] } }, required: ['type'], open: true },
});

const NODE_JOB = answer(
  {
    job_id: ID_SCHEMAS.job_id,
    command_id: COMMAND_ID,
    status: JOB_STATUS,
    receipt_hash: OPTIONAL_RECEIPT_HASH,
    lease_expires_at: TIMESTAMP,
  },
  { name: 'NodeJob', optional: ['lease_expires_at'] },
);

const PULLED = answer({
  commands: {
    type: 'array',
    items: answer({
      command: answer(
        {
          type: { type: 'string', enum: ['private_inference'] },
          command_id: COMMAND_ID,
          job_id: ID_SCHEMAS.job_id,
          node_id: ID_SCHEMAS.node_id,
          model_id: ID_SCHEMAS.model_id,
          price_wei: POSITIVE_WEI,
          encrypted_request: ENVELOPE,
          created_at: TIMESTAMP,
        },
        { name: 'NodeCommand' },
      ),
      lease_id: { type: 'string' },
      lease_expires_at: TIMESTAMP,
      delivery: { type: 'integer', minimum: 1 },
    }),
  },
});

const CUSTOMER_CREATED = answer({
  customer_id: ID_SCHEMAS.customer_id,
  customer_token: { type: 'string', bytes: 32, description: 'shown only here' },
});

const STALE_RESERVATIONS = answer({
  dry_run: { type: 'boolean' },
  as_of: TIMESTAMP,
  count: { type: 'integer', minimum: 0 },
  reservations: {
    type: 'array',
    items: answer({
      customer_id: ID_SCHEMAS.customer_id,
      job_id: ID_SCHEMAS.job_id,
      node_id: ID_SCHEMAS.node_id,
      status: { type: 'string', enum: ['queued', 'claimed'] },
      reserved_price_wei: WEI,
      created_at: TIMESTAMP,
      due_at: TIMESTAMP,
      outcome: { type: 'string', enum: ['would_release', 'released', 'unchanged'] },
    }),
  },
});

const OPENAPI_DOCUMENT: ObjectSchema = {
  type: 'object',
  properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' } },
  required: ['openapi'],
  open: true,
};

type Access = 'customer' | 'admin' | 'node' | 'public';

interface Operation {
  id: string;
  summary: string;
  access: Access;
  body?: ObjectSchema;
  /** An empty body stands for `{}`. */
  bodyOptional?: boolean;
  query?: ObjectSchema;
  ok: [status: 200 | 201 | 202, schema: ObjectSchema];
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
    ok: [200, JOB],
    problems: ['job_not_found', 'job_not_cancellable'],
  },
  'GET /v1/private-inference/jobs/{job_id}': {
    id: 'getJob',
    summary: 'A job',
    access: 'customer',
    ok: [200, JOB],
    problems: ['job_not_found'],
  },
  'GET /v1/private-inference/nodes/{node_id}': {
    id: 'getNode',
    summary: "A node's models, prices and current transport keys",
    access: 'customer',
    ok: [200, NODE],
    problems: ['node_not_found'],
  },
  'GET /v1/private-inference/key-directory': {
    id: 'getKeyDirectory',
    summary: 'The public key that signs transport-key records',
    access: 'customer',
    ok: [200, KEY_DIRECTORY],
    problems: [],
  },
  'GET /v1/billing/account': {
    id: 'getAccount',
    summary: 'Balance, reserved and available',
    access: 'customer',
    ok: [200, ACCOUNT],
    problems: [],
  },
  'GET /v1/billing/jobs/{job_id}': {
    id: 'getBillingJob',
    summary: "A job's money",
    access: 'customer',
    ok: [200, BILLING_JOB],
    problems: ['job_not_found'],
  },
  'GET /v1/billing/usage': {
    id: 'getUsage',
    summary: 'Ledger totals and entries of a window',
    access: 'customer',
    query: USAGE_QUERY,
    ok: [200, USAGE],
    problems: ['invalid_request'],
  },
  'GET /v1/receipts/{receipt_hash}': {
    id: 'getReceipt',
    summary: 'A signed receipt by its hash (public)',
    access: 'public',
    ok: [200, RECEIPT],
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
    ok: [200, PULLED],
    problems: [],
  },
  'POST /v1/nodes/{node_id}/commands/{command_id}/lease': {
    id: 'extendLease',
    summary: "Extend a command's lease (0 gives it back); answers the job's status",
    access: 'node',
    body: LEASE,
    ok: [200, NODE_JOB],
    problems: ['command_not_found', 'lease_expired'],
  },
  'POST /v1/nodes/{node_id}/commands/{command_id}/result': {
    id: 'postResult',
    summary: 'The sealed answer and the signed receipt; settles the job once',
    access: 'node',
    body: RESULT,
    ok: [200, NODE_JOB],
    problems: ['command_not_found', 'invalid_encrypted_request', 'invalid_receipt', 'job_closed', 'rate_limited'],
  },
  'POST /v1/nodes/{node_id}/commands/{command_id}/failure': {
    id: 'postFailure',
    summary: 'The node could not answer: the job fails and its reservation is released',
    access: 'node',
    body: FAILURE,
    ok: [200, NODE_JOB],
    problems: ['command_not_found', 'job_closed'],
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
    ok: [200, ACCOUNT],
    problems: ['customer_not_found', 'credit_id_conflict'],
  },
  'PUT /v1/admin/nodes/{node_id}': {
    id: 'enrollNode',
    summary: 'Enroll or update a node; new transport keys are signed here',
    access: 'admin',
    body: NODE_ENROLLMENT,
    ok: [200, NODE],
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
  admin: [{ adminToken: [] }],
  node: [{ nodeId: [], nodeTimestamp: [], nodeNonce: [], nodeSignature: [] }],
  public: [],
};

const apiKey = (name: string, description: string) => ({ type: 'apiKey', in: 'header', name, description });

const SECURITY_SCHEMES = {
  customerId: apiKey('X-B3IQ-Customer-ID', 'the customer id'),
  customerToken: apiKey('X-B3IQ-Customer-Token', "the customer's token, shown once at creation"),
  adminToken: apiKey('X-B3IQ-Admin-Token', 'the admin token (Secrets Manager)'),
  nodeId: apiKey('X-B3IQ-Node-ID', 'the node, signing with its enrolled Ed25519 identity key (b3iq-node-signature-v1)'),
  nodeTimestamp: apiKey('X-B3IQ-Timestamp', 'when the request was signed'),
  nodeNonce: apiKey('X-B3IQ-Nonce', 'a fresh nonce per request'),
  nodeSignature: apiKey('X-B3IQ-Signature', 'Ed25519 over method, path, timestamp, nonce and body'),
};

const PATH_PARAMETERS: Record<string, StringSchema> = {
  job_id: ID_SCHEMAS.job_id,
  node_id: ID_SCHEMAS.node_id,
  customer_id: ID_SCHEMAS.customer_id,
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

type Json = Record<string, unknown>;

/** Renders declarations to JSON Schema 2020-12, named schemas once under `components.schemas`. */
class Renderer {
  readonly schemas: Record<string, Json> = {};
  readonly #known: Record<string, { body: string; description: unknown }> = {};

  /**
   * A named schema is a reference to one component; a copy of it may only add `nullable` or its
   * own description (which the reference then carries).
   */
  render(schema: Schema): Json {
    if (schema.name === undefined) return this.#body(schema);
    const { name, nullable, ...rest } = schema;
    const { description, ...body } = this.#body(rest as Schema);
    this.#known[name] ??= { body: JSON.stringify(body), description };
    const known = this.#known[name];
    if (known.body !== JSON.stringify(body)) throw new Error(`two different schemas are named ${name}`);
    this.schemas[name] ??= description === undefined ? body : { description, ...body };
    const ref = { $ref: `#/components/schemas/${name}`, ...(description === known.description ? {} : { description }) };
    return nullable ? { anyOf: [ref, { type: 'null' }] } : ref;
  }

  #body(schema: Schema): Json {
    const out: Json = { type: schema.nullable ? [schema.type, 'null'] : schema.type };
    if (schema.description !== undefined) out.description = schema.description;
    switch (schema.type) {
      case 'string': {
        if (schema.enum !== undefined) out.enum = schema.nullable ? [...schema.enum, null] : schema.enum;
        if (schema.format !== undefined) out.format = schema.format;
        if (schema.bytes !== undefined) {
          const { min, max } = typeof schema.bytes === 'number' ? { min: schema.bytes, max: schema.bytes } : schema.bytes;
          Object.assign(out, {
            contentEncoding: 'base64url',
            pattern: BASE64URL.pattern,
            minLength: base64urlLength(min),
            maxLength: base64urlLength(max),
          });
        }
        if (schema.pattern !== undefined) out.pattern = schema.pattern;
        if (schema.minLength !== undefined) out.minLength = schema.minLength;
        if (schema.maxLength !== undefined) out.maxLength = schema.maxLength;
        break;
      }
      case 'integer':
        Object.assign(out, { minimum: schema.minimum, ...(schema.maximum === undefined ? {} : { maximum: schema.maximum }) });
        if (schema.default !== undefined) out.default = schema.default;
        break;
      case 'boolean':
        if (schema.default !== undefined) out.default = schema.default;
        break;
      case 'array':
        out.items = this.render(schema.items);
        if (schema.minItems !== undefined) out.minItems = schema.minItems;
        break;
      case 'object':
        out.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, this.render(property)]));
        if (schema.required !== undefined && schema.required.length > 0) out.required = schema.required;
        if (!schema.open) out.additionalProperties = false;
        break;
    }
    return out;
  }
}

const json = (schema: Json) => ({ 'application/json': { schema } });

/**
 * An operation's problem answers by status, each narrowed to the codes it may carry. Each set of
 * codes is one component response, shared by the operations that answer it.
 */
function problemResponses(codes: ProblemCode[], shared: Record<string, Json>): Record<string, Json> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  const responses = [...byStatus]
    .sort(([a], [b]) => a - b)
    .map(([status, list]) => {
      const name = list.join('.');
      shared[name] ??= {
        description: list.join(', '),
        content: json({
          $ref: '#/components/schemas/Problem',
          type: 'object',
          properties: { error: { type: 'object', properties: { status: { const: status }, code: { enum: list } } } },
        }),
      };
      return [String(status), { $ref: `#/components/responses/${name}` }];
    });
  return Object.fromEntries(responses);
}

function buildDocument() {
  const renderer = new Renderer();
  // The field types first, so that each component keeps its own description.
  for (const schema of [...Object.values(ID_SCHEMAS), WEI, POSITIVE_WEI, TIMESTAMP, ENVELOPE]) renderer.render(schema);
  const pathParameters = Object.fromEntries(
    Object.entries(PATH_PARAMETERS).map(([name, schema]) => [name, { name, in: 'path', required: true, schema: renderer.render(schema) }]),
  );
  const responses: Record<string, Json> = {};
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of API_ROUTES) {
    const op = OPERATIONS[`${route.method} ${route.path}` as Route];
    const parameters = [
      ...[...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ $ref: `#/components/parameters/${name}` })),
      ...Object.entries(op.query?.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema: renderer.render(schema) })),
    ];
    const codes = [...ACCESS_PROBLEMS[op.access], ...(op.body ? BODY_PROBLEMS : []), ...op.problems, ...ALWAYS];
    const [status, schema] = op.ok;
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Json>)[route.method.toLowerCase()] = {
      operationId: op.id,
      summary: op.summary,
      security: SECURITY[op.access],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              ...(op.bodyOptional ? { description: 'an empty body counts as {}' } : {}),
              content: json(renderer.render(op.body)),
            },
          }
        : {}),
      responses: { [String(status)]: { description: 'OK', content: json(renderer.render(schema)) }, ...problemResponses(codes, responses) },
    };
  }
  renderer.render(
    answer(
      {
        error: answer({
          status: { type: 'integer', minimum: 400, maximum: 599 },
          title: { type: 'string' },
          detail: { type: 'string', description: 'for a person; never a secret, token, ciphertext or stack trace' },
          code: { type: 'string', enum: Object.keys(PROBLEMS) },
        }),
      },
      { name: 'Problem' },
    ),
  );
  return {
    openapi: '3.1.1',
    info: { title: 'B3IQ private inference', version: '1', description: DESCRIPTION },
    servers: [{ url: '..', description: 'the stage URL: this document is served at {api_url}/v1/openapi.json' }],
    paths,
    components: {
      schemas: renderer.schemas,
      parameters: pathParameters,
      responses,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

let built: ReturnType<typeof buildDocument> | undefined;

/** The document, built once per container. */
function openApiDocument(): ReturnType<typeof buildDocument> {
  built ??= buildDocument();
  return built;
}

export { openApiDocument, UNROUTED };
