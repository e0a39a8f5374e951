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
  /** Fixed headers, or headers made for each attempt (a node signs every attempt afresh). */
  headers: Record<string, string> | ((request: { method: string; path: string; body: string }) => Record<string, string>);
  retry: RetryPolicy;
  fetch: typeof fetch;
  /** Give up on one attempt after this long (a long poll needs more than its wait). */
  attemptTimeoutMs?: number;
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

async function requestJson<T>(options: HttpOptions, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const { retry } = options;
  const text = body === undefined ? '' : JSON.stringify(body);
  let lastFailure = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) {
      await sleep(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2)), undefined, signal ? { signal } : {});
    }
    const headers = typeof options.headers === 'function' ? options.headers({ method, path, body: text }) : options.headers;
    const timeout = options.attemptTimeoutMs === undefined ? undefined : AbortSignal.timeout(options.attemptTimeoutMs);
    const signals = [signal, timeout].filter((value): value is AbortSignal => value !== undefined);
    let response: Response;
    let answer: string;
    try {
      response = await options.fetch(`${options.apiUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : text,
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
      answer = await response.text();
    } catch (error) {
      if (signal?.aborted) throw error;
      lastFailure = timeout?.aborted
        ? `${options.apiUrl} did not answer within ${options.attemptTimeoutMs} ms`
        : `could not reach ${options.apiUrl} (${(error as Error).message})`;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = answer.length === 0 ? undefined : JSON.parse(answer);
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

export type { HttpOptions, RetryPolicy };
export { DEFAULT_RETRY, requestJson };
