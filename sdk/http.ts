/**
 * JSON over HTTPS to the control plane, with retries where a retry is safe: every call the SDK
 * makes is either a read or a submission that names its `job_id`, so a repeat after a network
 * error or a 5xx cannot reserve twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { B3iqApiError, B3iqUnavailableError } from './errors.js';

interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The first pause; each next one doubles, with full jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

interface HttpOptions {
  apiUrl: string;
  headers: Record<string, string>;
  retry: RetryPolicy;
  fetch: typeof fetch;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

function problemFrom(status: number, body: unknown): B3iqApiError {
  const error = (body as { error?: { code?: unknown; title?: unknown; detail?: unknown } } | undefined)?.error;
  return new B3iqApiError(
    status,
    typeof error?.code === 'string' ? error.code : 'unknown_error',
    typeof error?.title === 'string' ? error.title : `HTTP ${status}`,
    typeof error?.detail === 'string' ? error.detail : `the API answered HTTP ${status}`,
  );
}

async function requestJson<T>(options: HttpOptions, method: string, path: string, body?: unknown): Promise<T> {
  const { retry } = options;
  let lastFailure = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) await sleep(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2)));
    let response: Response;
    try {
      response = await options.fetch(`${options.apiUrl}${path}`, {
        method,
        headers: { ...options.headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      lastFailure = `could not reach ${options.apiUrl} (${(error as Error).message})`;
      continue;
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length === 0 ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    if (response.status >= 500) {
      lastFailure = `the API answered HTTP ${response.status}`;
      continue;
    }
    throw problemFrom(response.status, parsed);
  }
  throw new B3iqUnavailableError(`${lastFailure}; gave up after ${retry.attempts} attempts`);
}

export { DEFAULT_RETRY, requestJson };
export type { HttpOptions, RetryPolicy };
