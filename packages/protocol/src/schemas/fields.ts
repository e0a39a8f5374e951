/**
 * The contract's field types: identifiers, wei amounts, timestamps. `ids.ts`, `money.ts` and
 * `timestamp.ts` compile these patterns; the OpenAPI document shows them.
 */
import type { StringSchema } from './schema.js';

const ID_SCHEMAS = {
  /** Names an SQS queue, hence the narrower alphabet and length. */
  node_id: { type: 'string', name: 'NodeId', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$' },
  customer_id: { type: 'string', name: 'CustomerId', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' },
  job_id: { type: 'string', name: 'JobId', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' },
  credit_id: { type: 'string', name: 'CreditId', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' },
  key_id: { type: 'string', name: 'KeyId', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' },
  model_id: { type: 'string', name: 'ModelId', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$' },
  /** A customer token's id (`tok-<uuid>`, or `tok-initial` for the one token of a customer created before tokens had ids). */
  token_id: { type: 'string', name: 'TokenId', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' },
} as const satisfies Record<string, StringSchema & { pattern: string }>;

const WEI = {
  type: 'string',
  name: 'Wei',
  pattern: '^(0|[1-9][0-9]{0,37})$',
  description: 'wei as a decimal string of at most 38 digits',
} as const satisfies StringSchema;

/** Prices and credits are more than zero. */
const POSITIVE_WEI = {
  type: 'string',
  name: 'PositiveWei',
  pattern: '^[1-9][0-9]{0,37}$',
  description: 'a wei amount above zero, as a decimal string of at most 38 digits',
} as const satisfies StringSchema;

const TIMESTAMP = {
  type: 'string',
  name: 'Timestamp',
  format: 'date-time',
  pattern: '^(\\d{4}-\\d{2}-\\d{2})T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$',
  description: 'RFC 3339 UTC, ending in Z',
} as const satisfies StringSchema;

/** Lowercase hex SHA-256 of a receipt's exact UTF-8 text. */
const RECEIPT_HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const satisfies StringSchema;

/** An Ed25519 public key or signature, canonical base64url. */
const ED25519_PUBLIC_KEY = { type: 'string', bytes: 32 } as const satisfies StringSchema;
/** A node's price per job: at most 26 digits (MAX_PRICE_WEI in money.ts), so its earnings stay within 38. */
const PRICE_WEI = {
  type: 'string',
  name: 'PriceWei',
  pattern: '^[1-9][0-9]{0,25}$',
  description:
    "a node's price per job in wei, above zero, at most 26 digits: a node's earnings (the sum of its payouts) then stay within 38 digits for a trillion jobs",
} as const satisfies StringSchema;

const ED25519_SIGNATURE = { type: 'string', bytes: 64 } as const satisfies StringSchema;
const X25519_PUBLIC_KEY = {
  type: 'string',
  bytes: 32,
  description: 'an X25519 public key that is not a low-order point',
} as const satisfies StringSchema;

export { ED25519_PUBLIC_KEY, ED25519_SIGNATURE, ID_SCHEMAS, POSITIVE_WEI, PRICE_WEI, RECEIPT_HASH, TIMESTAMP, WEI, X25519_PUBLIC_KEY };
