/**
 * Every answer body of the contract, declared once. The views that shape the answers are typed
 * from these declarations (`type JobView = Infer<typeof JOB_VIEW>`), so a field the view and its
 * schema disagree on fails the type check; the OpenAPI document renders the same declarations as
 * the answers of its operations. Problems (non-2xx answers) are declared with the problem table.
 */
import { ENVELOPE } from './envelope.js';
import { ED25519_PUBLIC_KEY, ED25519_SIGNATURE, ID_SCHEMAS, POSITIVE_WEI, RECEIPT_HASH, TIMESTAMP, WEI } from './fields.js';
import { MODEL_OFFER, NODE_STATUS, TOKEN_NAME } from './requests.js';
import { BASE64URL_PATTERN, type Infer, type ObjectSchema, type Schema } from './schema.js';

/**
 * A closed object whose every field is required unless listed in `optional`. Its type keeps the
 * fields and which of them are required, for `Infer`.
 */
function answer<const P extends Record<string, Schema>, const O extends keyof P & string = never>(
  properties: P,
  options: { name?: string; optional?: readonly O[]; description?: string } = {},
): { type: 'object'; properties: P; required: readonly Exclude<keyof P & string, O>[]; name?: string; description?: string } {
  const optional: readonly string[] = options.optional ?? [];
  const required = Object.keys(properties).filter((name) => !optional.includes(name)) as Exclude<keyof P & string, O>[];
  return {
    type: 'object',
    properties,
    required,
    ...(options.name ? { name: options.name } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
}

const JOB_STATUS = { type: 'string', enum: ['queued', 'claimed', 'completed', 'failed', 'expired', 'cancelled'] } as const;
const BILLING_STATUS = { type: 'string', enum: ['reserved', 'debited', 'released'] } as const;
const LEDGER_KIND = { type: 'string', enum: ['credit', 'reserve', 'release', 'debit'] } as const;
const OPTIONAL_RECEIPT_HASH = { ...RECEIPT_HASH, nullable: true, description: 'set once the job completed' } as const;
const OPTIONAL_TIMESTAMP = { ...TIMESTAMP, nullable: true } as const;
const BASE64URL = { type: 'string', pattern: BASE64URL_PATTERN } as const;
/** `cmd-<uuid>`, unique across customers. */
const COMMAND_ID = { type: 'string', name: 'CommandId', minLength: 1, maxLength: 128 } as const;

const BILLING_VIEW = answer(
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

/** The 202 to `POST /v1/private-inference/jobs`. */
const JOB_ACCEPTED = answer(
  {
    status: { type: 'string', enum: ['queued'] },
    job_id: ID_SCHEMAS.job_id,
    node_id: ID_SCHEMAS.node_id,
    command_id: COMMAND_ID,
    billing: BILLING_VIEW,
    created_at: TIMESTAMP,
  },
  { name: 'JobAccepted', description: 'An identical repeat of the request answers this body again' },
);

/** `GET /v1/private-inference/jobs/{job_id}`, and the answer to a cancel. */
const JOB_VIEW = answer(
  {
    job_id: ID_SCHEMAS.job_id,
    node_id: ID_SCHEMAS.node_id,
    model_id: ID_SCHEMAS.model_id,
    status: JOB_STATUS,
    encrypted_request: { ...ENVELOPE, nullable: true },
    encrypted_response: { ...ENVELOPE, nullable: true },
    receipt_hash: OPTIONAL_RECEIPT_HASH,
    billing: BILLING_VIEW,
    created_at: TIMESTAMP,
    claim_deadline: TIMESTAMP,
    completion_deadline: TIMESTAMP,
    completed_at: OPTIONAL_TIMESTAMP,
  },
  { name: 'Job', description: 'Envelopes are null before there is one and once retention purged them' },
);

/** `GET /v1/billing/jobs/{job_id}`. */
const BILLING_JOB_VIEW = answer({
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

/** `GET /v1/billing/account`, and the answer to a credit. */
const ACCOUNT_VIEW = answer(
  { customer_id: ID_SCHEMAS.customer_id, balance_wei: WEI, reserved_wei: WEI, available_wei: WEI, policy_version: { type: 'string' } },
  { name: 'Account' },
);

/** `GET /v1/billing/usage`. */
const USAGE_VIEW = answer({
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

/** `GET /v1/private-inference/nodes/{node_id}`, and the answer to an enrollment. */
const NODE_VIEW = answer(
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
        node_signature_ed25519: {
          ...ED25519_SIGNATURE,
          nullable: true,
          description: "the node identity key's signature of its b3iq-node-key-statement-v1 for this key",
        },
      }),
    },
    identity_public_key_ed25519: {
      ...ED25519_PUBLIC_KEY,
      nullable: true,
      description: "the node's Ed25519 identity key; null: the node cannot serve and clients use none of its keys",
    },
    last_seen_at: { ...OPTIONAL_TIMESTAMP, description: "the node's latest signed call, to within a minute; null if none" },
  },
  { name: 'Node' },
);

/** `GET /v1/private-inference/key-directory`. */
const KEY_DIRECTORY_VIEW = answer({
  algorithm: { type: 'string', enum: ['ECDSA_SHA_256'] },
  public_key_spki: { ...BASE64URL, description: 'DER SubjectPublicKeyInfo of the KMS signing key' },
});

/** `GET /v1/receipts/{receipt_hash}`: `receipt` is the signed document itself. */
const RECEIPT_VIEW = answer({
  receipt_hash: RECEIPT_HASH,
  job_id: ID_SCHEMAS.job_id,
  node_id: ID_SCHEMAS.node_id,
  model_id: ID_SCHEMAS.model_id,
  status: { type: 'string', enum: ['accepted'] },
  received_at: TIMESTAMP,
  signature_ed25519: { type: 'string', bytes: 64 },
  receipt: { type: 'object', properties: { type: { type: 'string', enum: ['b3iq-receipt-v1'] } }, required: ['type'], open: true },
});

/** The answer to a lease, a result or a failure; `lease_expires_at` only to a lease the node still holds. */
const NODE_JOB_VIEW = answer(
  {
    job_id: ID_SCHEMAS.job_id,
    command_id: COMMAND_ID,
    status: JOB_STATUS,
    receipt_hash: OPTIONAL_RECEIPT_HASH,
    lease_expires_at: TIMESTAMP,
  },
  { name: 'NodeJob', optional: ['lease_expires_at'] },
);

/** The message on a node's queue: what the node needs to answer, and no customer identity. */
const NODE_COMMAND = answer(
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
);

/** `POST /v1/nodes/{node_id}/commands/pull`. */
const PULLED_COMMANDS = answer({
  commands: {
    type: 'array',
    items: answer({
      command: NODE_COMMAND,
      lease_id: { type: 'string' },
      lease_expires_at: TIMESTAMP,
      delivery: { type: 'integer', minimum: 1 },
    }),
  },
});

/** The 201 to `POST /v1/admin/customers`. */
const CUSTOMER_CREATED = answer({
  customer_id: ID_SCHEMAS.customer_id,
  customer_token: { type: 'string', bytes: 32, description: 'shown only here' },
});

/** The 201 to `POST /v1/admin/customers/{customer_id}/tokens`. */
const TOKEN_CREATED = answer({
  token_id: ID_SCHEMAS.token_id,
  name: TOKEN_NAME,
  customer_token: { type: 'string', bytes: 32, description: 'shown only here' },
  created_at: TIMESTAMP,
});

/** A customer token as listed (and the answer to its revocation): never the token or its hash. */
const TOKEN_VIEW = answer(
  {
    token_id: ID_SCHEMAS.token_id,
    name: TOKEN_NAME,
    created_at: TIMESTAMP,
    last_used_at: { ...OPTIONAL_TIMESTAMP, description: 'a recent use, recorded at most once per token per 5 minutes per Lambda instance' },
    revoked_at: { ...OPTIONAL_TIMESTAMP, description: 'set once revoked; a revoked token is refused' },
  },
  { name: 'CustomerToken' },
);

/** `GET /v1/admin/customers/{customer_id}/tokens`. */
const TOKEN_LIST = answer({ tokens: { type: 'array', items: TOKEN_VIEW } });

/** `POST /v1/admin/reservations/release-stale`. */
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

/** `GET /v1/openapi.json`: only its version is pinned here; the document describes itself. */
const OPENAPI_DOCUMENT = {
  type: 'object',
  properties: { openapi: { type: 'string', pattern: '^3\\.1\\.' } },
  required: ['openapi'],
  open: true,
} as const satisfies ObjectSchema;

type JobStatus = Infer<typeof JOB_STATUS>;
type BillingStatus = Infer<typeof BILLING_STATUS>;
type LedgerKind = Infer<typeof LEDGER_KIND>;
type BillingView = Infer<typeof BILLING_VIEW>;
type JobAccepted = Infer<typeof JOB_ACCEPTED>;
type JobView = Infer<typeof JOB_VIEW>;
type BillingJobView = Infer<typeof BILLING_JOB_VIEW>;
type AccountView = Infer<typeof ACCOUNT_VIEW>;
type UsageView = Infer<typeof USAGE_VIEW>;
type NodeView = Infer<typeof NODE_VIEW>;
type KeyDirectoryView = Infer<typeof KEY_DIRECTORY_VIEW>;
type ReceiptView = Infer<typeof RECEIPT_VIEW>;
type NodeJobView = Infer<typeof NODE_JOB_VIEW>;
type NodeCommand = Infer<typeof NODE_COMMAND>;
type PulledCommands = Infer<typeof PULLED_COMMANDS>;
type CustomerCreated = Infer<typeof CUSTOMER_CREATED>;
type StaleReservations = Infer<typeof STALE_RESERVATIONS>;
type TokenCreated = Infer<typeof TOKEN_CREATED>;
type TokenView = Infer<typeof TOKEN_VIEW>;
type TokenList = Infer<typeof TOKEN_LIST>;

export type {
  AccountView,
  BillingJobView,
  BillingStatus,
  BillingView,
  CustomerCreated,
  JobAccepted,
  JobStatus,
  JobView,
  KeyDirectoryView,
  LedgerKind,
  NodeCommand,
  NodeJobView,
  NodeView,
  PulledCommands,
  ReceiptView,
  StaleReservations,
  TokenCreated,
  TokenList,
  TokenView,
  UsageView,
};
export {
  ACCOUNT_VIEW,
  BILLING_JOB_VIEW,
  BILLING_STATUS,
  BILLING_VIEW,
  COMMAND_ID,
  CUSTOMER_CREATED,
  JOB_ACCEPTED,
  JOB_STATUS,
  JOB_VIEW,
  KEY_DIRECTORY_VIEW,
  LEDGER_KIND,
  NODE_COMMAND,
  NODE_JOB_VIEW,
  NODE_VIEW,
  OPENAPI_DOCUMENT,
  PULLED_COMMANDS,
  RECEIPT_VIEW,
  STALE_RESERVATIONS,
  TOKEN_CREATED,
  TOKEN_LIST,
  TOKEN_VIEW,
  USAGE_VIEW,
};
