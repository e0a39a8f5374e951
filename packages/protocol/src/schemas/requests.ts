/**
 * Every request body (and the usage query) of the contract, declared once. The parsers take their
 * closed field lists, required fields, patterns, bounds and defaults from these objects; the
 * OpenAPI document renders them as the request bodies.
 */
import { ENVELOPE } from './envelope.js';
import { ED25519_PUBLIC_KEY, ED25519_SIGNATURE, ID_SCHEMAS, POSITIVE_WEI, PRICE_WEI, TIMESTAMP, WEI, X25519_PUBLIC_KEY } from './fields.js';
import type { ObjectSchema, StringSchema } from './schema.js';

/** `POST /v1/private-inference/jobs`. */
const JOB_REQUEST = {
  type: 'object',
  name: 'JobRequest',
  properties: {
    job_id: { ...ID_SCHEMAS.job_id, description: "the customer's idempotency key; the server makes one when it is absent" },
    node_id: ID_SCHEMAS.node_id,
    model_id: ID_SCHEMAS.model_id,
    max_price_wei: { ...WEI, description: 'a ceiling on the quoted price; "0" is a ceiling no price meets' },
    encrypted_request: ENVELOPE,
  },
  required: ['node_id', 'model_id', 'encrypted_request'],
} as const satisfies ObjectSchema;

const NODE_STATUS = { type: 'string', enum: ['active', 'disabled'] } as const;

const MODEL_OFFER = {
  type: 'object',
  name: 'ModelOffer',
  properties: { model_id: ID_SCHEMAS.model_id, price_wei: PRICE_WEI },
  required: ['model_id', 'price_wei'],
} as const satisfies ObjectSchema;

const TRANSPORT_KEY_ENROLLMENT = {
  type: 'object',
  properties: {
    key_id: ID_SCHEMAS.key_id,
    public_key_x25519: X25519_PUBLIC_KEY,
    valid_until: { ...TIMESTAMP, nullable: true, description: "the end of the key's window; null or absent: no end" },
    node_signature_ed25519: {
      ...ED25519_SIGNATURE,
      description:
        "the node identity key's Ed25519 signature of its b3iq-node-key-statement-v1 for this key; required when the node has an identity key (sent, or kept because the body omits it), refused when it has none",
    },
  },
  required: ['key_id', 'public_key_x25519'],
} as const satisfies ObjectSchema;

/** `PUT /v1/admin/nodes/{node_id}`: `transport_keys` is the node's full current set. */
const NODE_ENROLLMENT = {
  type: 'object',
  properties: {
    status: NODE_STATUS,
    models: { type: 'array', items: MODEL_OFFER, minItems: 1 },
    transport_keys: { type: 'array', items: TRANSPORT_KEY_ENROLLMENT, minItems: 1 },
    identity_public_key_ed25519: {
      ...ED25519_PUBLIC_KEY,
      nullable: true,
      description: "the node's identity key: it signs node API requests and receipts; absent keeps the current one, null revokes it",
    },
  },
  required: ['status', 'models', 'transport_keys'],
} as const satisfies ObjectSchema;

/** `POST /v1/admin/customers` (an empty body counts as `{}`). */
const CREATE_CUSTOMER = {
  type: 'object',
  properties: { customer_id: ID_SCHEMAS.customer_id },
} as const satisfies ObjectSchema;

/** `POST /v1/admin/customers/{customer_id}/credits`. */
const CREDIT = {
  type: 'object',
  properties: { credit_id: ID_SCHEMAS.credit_id, amount_wei: POSITIVE_WEI },
  required: ['credit_id', 'amount_wei'],
} as const satisfies ObjectSchema;

/**
 * A customer token's name: 1 to 64 characters (code points), not only spaces, no control characters
 * (U+0000–U+001F, U+007F–U+009F), so that it is safe to show in a terminal or a log.
 */
const TOKEN_NAME = {
  type: 'string',
  name: 'TokenName',
  minLength: 1,
  maxLength: 64,
  pattern: '^(?!\\s*$)[^\\u0000-\\u001F\\u007F-\\u009F]+$',
  description: '1 to 64 characters, not only spaces, no control characters',
} as const satisfies StringSchema;

/** `POST /v1/admin/customers/{customer_id}/tokens`. */
const CREATE_TOKEN = {
  type: 'object',
  properties: { name: TOKEN_NAME },
  required: ['name'],
} as const satisfies ObjectSchema;

/** `POST /v1/private-inference/jobs/{job_id}/cancel`: empty, or `{}`. */
const CANCEL = { type: 'object', properties: {} } as const satisfies ObjectSchema;

/** `POST /v1/admin/reservations/release-stale` (an empty body counts as `{}`). */
const RELEASE_STALE = {
  type: 'object',
  properties: {
    dry_run: { type: 'boolean', default: true },
    older_than_seconds: { type: 'integer', minimum: 0, maximum: 366 * 86_400 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const satisfies ObjectSchema;

const LEASE_ID = { type: 'string', minLength: 1, maxLength: 2048, description: 'the lease_id the pull answered' } as const;

/** `POST /v1/nodes/{node_id}/commands/pull` (an empty body counts as `{}`). */
const PULL = {
  type: 'object',
  properties: {
    max_commands: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
    wait_seconds: { type: 'integer', minimum: 0, maximum: 20, default: 20 },
    lease_seconds: { type: 'integer', minimum: 10, maximum: 43_200, default: 120 },
  },
} as const satisfies ObjectSchema;

/** `POST .../commands/{command_id}/lease`: 0 seconds gives the command back. */
const LEASE = {
  type: 'object',
  properties: { lease_id: LEASE_ID, lease_seconds: { type: 'integer', minimum: 0, maximum: 43_200, default: 120 } },
  required: ['lease_id'],
} as const satisfies ObjectSchema;

/** `POST .../commands/{command_id}/result`: the sealed answer and the signed `b3iq-receipt-v1`. */
const RESULT = {
  type: 'object',
  properties: {
    lease_id: LEASE_ID,
    encrypted_response: ENVELOPE,
    receipt: { type: 'string', description: "the receipt's canonical JSON text, exactly as signed" },
    receipt_signature_ed25519: ED25519_SIGNATURE,
  },
  required: ['lease_id', 'encrypted_response', 'receipt', 'receipt_signature_ed25519'],
} as const satisfies ObjectSchema;

/** `POST .../commands/{command_id}/failure`. */
const FAILURE = {
  type: 'object',
  properties: {
    lease_id: LEASE_ID,
    code: { type: 'string', pattern: '^[a-z0-9_]{1,64}$' },
    message: { type: 'string', maxLength: 500 },
  },
  required: ['lease_id', 'code'],
} as const satisfies ObjectSchema;

/** `GET /v1/billing/usage?window_days=&limit=` (query parameters, as decimal integers). */
const USAGE_QUERY = {
  type: 'object',
  properties: {
    window_days: { type: 'integer', minimum: 1, maximum: 366, default: 30 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const satisfies ObjectSchema;

export {
  CANCEL,
  CREATE_CUSTOMER,
  CREATE_TOKEN,
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
  TOKEN_NAME,
  TRANSPORT_KEY_ENROLLMENT,
  USAGE_QUERY,
};
