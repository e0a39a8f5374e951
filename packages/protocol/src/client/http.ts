/**
 * JSON over HTTPS to the control plane, with retries where a retry is safe: every call the SDK
 * makes is either a read or a submission that names its `job_id`, so a repeat after a network
 * error or a 5xx cannot reserve twice. Redirects are followed by hand, and only within the API's
 * own origin: the credentials in the headers never go anywhere else.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { B3iqApiError, B3iqRedirectError, B3iqUnavailableError } from './errors.js';

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
const MAX_REDIRECTS = 3;
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Why `apiUrl` is not an address to send credentials to, or `undefined` when it is: `https://`,
 * or plain `http://` to this machine only (a local stack), where no one else is on the path.
 */
function apiUrlProblem(apiUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return `the API URL ${JSON.stringify(apiUrl)} is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname)) return undefined;
  return `the API URL ${url.origin} must use https:// (plain http:// only to localhost, 127.0.0.0/8 or [::1])`;
}

/** Fetches, following a redirect only to the same origin (with the same method, body and headers). */
async function fetchWithinOrigin(options: HttpOptions, url: string, init: RequestInit): Promise<Response> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const response = await options.fetch(target, { ...init, redirect: 'manual' });
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    if (location === null) return response;
    await response.body?.cancel();
    const next = new URL(location, target);
    if (next.origin !== new URL(url).origin) {
      throw new B3iqRedirectError(`the API redirected to another origin (${next.origin}); not following it with credentials`);
    }
    if (hop + 1 >= MAX_REDIRECTS) throw new B3iqRedirectError(`the API redirected more than ${MAX_REDIRECTS} times`);
    target = next.href;
  }
}

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
      response = await fetchWithinOrigin(options, `${options.apiUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : text,
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
      answer = await response.text();
    } catch (error) {
      if (signal?.aborted || error instanceof B3iqRedirectError) throw error;
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
export { apiUrlProblem, DEFAULT_RETRY, requestJson };
