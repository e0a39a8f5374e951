/**
 * The node API as the node calls it: every request signed with `b3iq-node-signature-v1` over the
 * route path (never the stage prefix of the base URL), signed afresh on every attempt since the
 * control plane accepts each nonce once. Network errors and 5xx are retried with backoff; each
 * call is safe to repeat (a pull at worst leaves commands leased until their lease ends, and a
 * lease, result or failure sent twice answers the same).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeCommand } from '../lambdas/domain/job.js';
import { signNodeRequest } from '../lambdas/domain/node-signature.js';
import type { Envelope } from '../lambdas/transport/envelope.js';
import { B3iqApiError, B3iqUnavailableError } from '../sdk/errors.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../sdk/http.js';

/** The command as queued, with the job's quoted price that the receipt must state. */
type PulledCommand = NodeCommand & { price_wei: string };

interface LeasedCommand {
  command: PulledCommand;
  lease_id: string;
  lease_expires_at: string;
  delivery: number;
}

type NodeJobStatus = 'queued' | 'claimed' | 'completed' | 'failed' | 'expired' | 'cancelled';

interface NodeJobAnswer {
  job_id: string;
  command_id: string;
  status: NodeJobStatus;
  receipt_hash: string | null;
  lease_expires_at?: string;
}

interface NodeApiClientOptions {
  /** The API's base URL, stage included, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  apiUrl: string;
  nodeId: string;
  identitySecretKey: Uint8Array;
  retry?: RetryPolicy;
  /** Per attempt; longer than the longest long poll. Default 60 s. */
  attemptTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** Job statuses in which the node should go on working. */
const OPEN_STATUSES: ReadonlySet<string> = new Set(['queued', 'claimed']);

function problemFrom(status: number, body: unknown): B3iqApiError {
  const error = (body as { error?: { code?: unknown; title?: unknown; detail?: unknown } } | undefined)?.error;
  return new B3iqApiError(
    status,
    typeof error?.code === 'string' ? error.code : 'unknown_error',
    typeof error?.title === 'string' ? error.title : `HTTP ${status}`,
    typeof error?.detail === 'string' ? error.detail : `the API answered HTTP ${status}`,
  );
}

class NodeApiClient {
  readonly nodeId: string;
  readonly #apiUrl: string;
  readonly #secret: Uint8Array;
  readonly #retry: RetryPolicy;
  readonly #fetch: typeof fetch;
  readonly #attemptTimeoutMs: number;

  constructor(options: NodeApiClientOptions) {
    this.nodeId = options.nodeId;
    this.#apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#secret = options.identitySecretKey;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#fetch = options.fetch ?? fetch;
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? 60_000;
  }

  #commandPath(commandId: string, action: 'lease' | 'result' | 'failure'): string {
    return `/v1/nodes/${encodeURIComponent(this.nodeId)}/commands/${encodeURIComponent(commandId)}/${action}`;
  }

  /** POSTs `body` to the route `path`; throws B3iqApiError for a 4xx, B3iqUnavailableError after the last retry. */
  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const text = JSON.stringify(body);
    const retry = this.#retry;
    let lastFailure = '';
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      if (attempt > 1) await sleep(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2)), undefined, { signal });
      const headers = { ...signNodeRequest(this.#secret, this.nodeId, { method: 'POST', path, body: text }), 'Content-Type': 'application/json' };
      const timeout = AbortSignal.timeout(this.#attemptTimeoutMs);
      let response: Response;
      let answer: string;
      try {
        response = await this.#fetch(`${this.#apiUrl}${path}`, {
          method: 'POST',
          headers,
          body: text,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        answer = await response.text();
      } catch (error) {
        if (signal?.aborted) throw error;
        lastFailure = timeout.aborted ? `${this.#apiUrl} did not answer within ${this.#attemptTimeoutMs} ms` : `could not reach ${this.#apiUrl} (${(error as Error).message})`;
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

  /** Long-polls for up to `waitSeconds`; each command comes leased for `leaseSeconds`. */
  async pull(options: { maxCommands: number; waitSeconds: number; leaseSeconds: number }, signal?: AbortSignal): Promise<LeasedCommand[]> {
    const answer = await this.post<{ commands: LeasedCommand[] }>(
      `/v1/nodes/${encodeURIComponent(this.nodeId)}/commands/pull`,
      { max_commands: options.maxCommands, wait_seconds: options.waitSeconds, lease_seconds: options.leaseSeconds },
      signal,
    );
    return answer.commands;
  }

  /** Extends the lease by `leaseSeconds` from now; 0 gives the command back. Throws `lease_expired` when it ended. */
  extendLease(commandId: string, leaseId: string, leaseSeconds: number): Promise<NodeJobAnswer> {
    return this.post(this.#commandPath(commandId, 'lease'), { lease_id: leaseId, lease_seconds: leaseSeconds });
  }

  postResult(
    commandId: string,
    body: { lease_id: string; encrypted_response: Envelope; receipt: string; receipt_signature_ed25519: string },
  ): Promise<NodeJobAnswer> {
    return this.post(this.#commandPath(commandId, 'result'), body);
  }

  postFailure(commandId: string, body: { lease_id: string; code: string; message?: string }): Promise<NodeJobAnswer> {
    return this.post(this.#commandPath(commandId, 'failure'), body);
  }
}

export { NodeApiClient, OPEN_STATUSES };
export type { LeasedCommand, NodeApiClientOptions, NodeJobAnswer, NodeJobStatus, PulledCommand };
