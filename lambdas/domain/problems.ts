/**
 * The B3IQ-native problem response: every non-2xx answer is
 * `{"error": {"status", "title", "detail", "code"}}`. Clients branch on `code` (the protocol's
 * list); the status and title of each code are the server's, here.
 * `detail` helps a person and never carries a secret, a token, ciphertext or a stack trace.
 */
import { type Infer, type ObjectSchema, PROBLEM_CODES, type ProblemCode } from '@b3iq/protocol';

const PROBLEMS = {
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_encrypted_request: { status: 400, title: 'Invalid encrypted request' },
  invalid_receipt: { status: 400, title: 'Invalid receipt' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  invalid_signature: { status: 401, title: 'Invalid signature' },
  insufficient_balance: { status: 402, title: 'Insufficient balance' },
  max_price_exceeded: { status: 402, title: 'Maximum price exceeded' },
  node_not_found: { status: 404, title: 'Node not found' },
  model_not_served: { status: 404, title: 'Model not served' },
  job_not_found: { status: 404, title: 'Job not found' },
  customer_not_found: { status: 404, title: 'Customer not found' },
  token_not_found: { status: 404, title: 'Token not found' },
  webhook_endpoint_not_found: { status: 404, title: 'Webhook endpoint not found' },
  receipt_not_found: { status: 404, title: 'Receipt not found' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  command_not_found: { status: 404, title: 'Command not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  node_unavailable: { status: 409, title: 'Node unavailable' },
  stale_transport_key: { status: 409, title: 'Stale transport key' },
  job_id_conflict: { status: 409, title: 'Job id conflict' },
  credit_id_conflict: { status: 409, title: 'Credit id conflict' },
  customer_exists: { status: 409, title: 'Customer exists' },
  transport_key_conflict: { status: 409, title: 'Transport key conflict' },
  job_not_cancellable: { status: 409, title: 'Job not cancellable' },
  job_closed: { status: 409, title: 'Job closed' },
  lease_expired: { status: 409, title: 'Lease expired' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Rate limited' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<ProblemCode, { status: number; title: string }>;

/** The body of every non-2xx answer, as the OpenAPI document shows it; `toBody()` is typed from it. */
const PROBLEM_BODY = {
  type: 'object',
  name: 'Problem',
  properties: {
    error: {
      type: 'object',
      properties: {
        status: { type: 'integer', minimum: 400, maximum: 599 },
        title: { type: 'string' },
        detail: { type: 'string', description: 'for a person; never a secret, token, ciphertext or stack trace' },
        code: { type: 'string', enum: PROBLEM_CODES },
      },
      required: ['status', 'title', 'detail', 'code'],
    },
  },
  required: ['error'],
} as const satisfies ObjectSchema;

type ProblemBody = Infer<typeof PROBLEM_BODY>;

/** A failure the client caused or may act on; its `detail` is safe to show. */
class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  /** Seconds the client should wait before trying again (the `Retry-After` header), when the problem says. */
  readonly retryAfterSeconds: number | undefined;
  /** The methods the route does serve (the `Allow` header a 405 must carry, RFC 9110 §15.5.6), when the problem says. */
  readonly allow: readonly string[] | undefined;

  constructor(code: ProblemCode, detail: string, options?: ErrorOptions & { retryAfterSeconds?: number; allow?: readonly string[] }) {
    super(detail, options);
    this.name = 'Problem';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.allow = options?.allow;
  }

  toBody(): ProblemBody {
    const { status, title } = PROBLEMS[this.code];
    return { error: { status, title, detail: this.message, code: this.code } };
  }
}

export type { ProblemBody, ProblemCode };
export { PROBLEM_BODY, PROBLEMS, Problem };
