/**
 * What `b3iq proxy` answers when a request does not end in a completion: OpenAI's error shape
 * `{"error": {"message", "type", "param", "code"}}` with an HTTP status, mapped from what went wrong.
 *
 * - The API's refusals keep the API's status and B3IQ code (401 unauthorized, 402
 *   insufficient_balance, 404 model_not_served / node_not_found, 409 stale_transport_key, 429
 *   rate_limited, ...); OpenAI's `type` is the one its clients know for that status.
 * - Trust failures (a key that is not the pinned one, a key or receipt that does not verify, an
 *   answer that does not open) are 502: the upstream answered something the client will not trust.
 *   Not 403: nothing the caller could change about its request would be allowed then, and an
 *   OpenAI client reads 403 as "your key lacks a permission". The answer is never passed on.
 * - A node's error answer is 502 with the node's code; a job that ended without an answer is
 *   502 (failed), 504 (expired) or 409 (cancelled); waiting too long is 504.
 * - Anything else is 500 with a fixed message: an unexpected error's text could hold anything.
 * Messages are the SDK's and the API's own, which name ids and key fingerprints, never a token,
 * key, plaintext or ciphertext.
 */
import { B3iqApiError, B3iqUnavailableError, type JobView } from '@b3iq/protocol';
import { B3iqDecryptError, B3iqKeyChangedError, B3iqKeyTrustError, B3iqReceiptError, B3iqTimeoutError } from '../errors.js';

/** OpenAI's error `type`s that its SDKs and applications branch on. */
type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'insufficient_quota'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'api_error';

interface OpenAiErrorBody {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string };
}

class OpenAiError extends Error {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly code: string;
  readonly param: string | null;
  /** Extra response headers, e.g. `Allow` on a 405. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: OpenAiErrorType,
    code: string,
    message: string,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OpenAiError';
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.headers = headers;
  }

  toBody(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** The OpenAI `type` an API status is known by. */
function typeForStatus(status: number): OpenAiErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'insufficient_quota';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'api_error';
}

/** What `b3iq proxy` answers for an error thrown while serving a request. */
function toOpenAiError(error: unknown): OpenAiError {
  if (error instanceof OpenAiError) return error;
  if (error instanceof B3iqApiError) return new OpenAiError(error.status, typeForStatus(error.status), error.code, error.message);
  if (error instanceof B3iqKeyChangedError) {
    return new OpenAiError(502, 'api_error', 'key_changed', `${error.message} To accept it: ${error.acceptCommand}`);
  }
  if (error instanceof B3iqReceiptError) return new OpenAiError(502, 'api_error', 'receipt_not_verified', error.message);
  if (error instanceof B3iqKeyTrustError) return new OpenAiError(502, 'api_error', 'key_not_trusted', error.message);
  if (error instanceof B3iqDecryptError) return new OpenAiError(502, 'api_error', 'answer_not_opened', error.message);
  if (error instanceof B3iqUnavailableError) return new OpenAiError(503, 'api_error', 'api_unavailable', error.message);
  if (error instanceof B3iqTimeoutError) return new OpenAiError(504, 'api_error', 'job_timeout', error.message);
  return new OpenAiError(500, 'api_error', 'internal_error', 'b3iq proxy failed unexpectedly; see its output');
}

/** A job that ended without an answer to open. */
function jobEndedError(job: Pick<JobView, 'job_id' | 'status'>): OpenAiError {
  const message = `job ${job.job_id} ended ${job.status} without an answer`;
  if (job.status === 'expired') return new OpenAiError(504, 'api_error', 'job_expired', `${message}: no node answered in time`);
  if (job.status === 'cancelled') return new OpenAiError(409, 'conflict_error', 'job_cancelled', message);
  return new OpenAiError(502, 'api_error', 'job_failed', message);
}

/** The node opened the request but could not answer it (its message is one it may report; it never quotes the prompt). */
function nodeAnswerError(jobId: string, error: { code: string; message: string }): OpenAiError {
  return new OpenAiError(502, 'api_error', error.code, `the node could not answer job ${jobId}: ${error.message}`);
}

export type { OpenAiErrorBody, OpenAiErrorType };
export { jobEndedError, nodeAnswerError, OpenAiError, toOpenAiError, typeForStatus };
