/**
 * The codes of the B3IQ problem answer: every non-2xx answer is
 * `{"error": {"status", "title", "detail", "code"}}` and clients branch on `code`. The status and
 * title of each code are the server's (`lambdas/domain/problems.ts`), which must cover every code here.
 */

const PROBLEM_CODES = [
  'invalid_request',
  'invalid_encrypted_request',
  'invalid_receipt',
  'unauthorized',
  'invalid_signature',
  'insufficient_balance',
  'max_price_exceeded',
  'node_not_found',
  'model_not_served',
  'job_not_found',
  'customer_not_found',
  'token_not_found',
  'webhook_endpoint_not_found',
  'receipt_not_found',
  'forbidden',
  'not_found',
  'command_not_found',
  'method_not_allowed',
  'node_unavailable',
  'stale_transport_key',
  'job_id_conflict',
  'credit_id_conflict',
  'customer_exists',
  'transport_key_conflict',
  'job_not_cancellable',
  'job_closed',
  'lease_expired',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'internal_error',
] as const;

type ProblemCode = (typeof PROBLEM_CODES)[number];

interface ProblemBody {
  error: { status: number; title: string; detail: string; code: ProblemCode };
}

export type { ProblemBody, ProblemCode };
export { PROBLEM_CODES };
