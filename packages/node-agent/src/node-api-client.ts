/**
 * The node API as the node calls it: every request signed with `b3iq-node-signature-v1` over the
 * route path (never the stage prefix of the base URL), signed afresh on every attempt since the
 * control plane accepts each nonce once. Network errors and 5xx are retried with backoff; each
 * call is safe to repeat (a pull at worst leaves commands leased until their lease ends, and a
 * lease, result or failure sent twice answers the same).
 */
import type { Envelope, NodeCommand } from '@b3iq/protocol';
import { DEFAULT_RETRY, type RetryPolicy, requestJson, signNodeRequest } from '@b3iq/protocol';

interface LeasedCommand {
  command: NodeCommand;
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

  /** POSTs `body` to the route `path`, signed afresh for every attempt; throws B3iqApiError for a 4xx. */
  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return requestJson<T>(
      {
        apiUrl: this.#apiUrl,
        headers: (request) => signNodeRequest(this.#secret, this.nodeId, request),
        retry: this.#retry,
        fetch: this.#fetch,
        attemptTimeoutMs: this.#attemptTimeoutMs,
      },
      'POST',
      path,
      body,
      signal,
    );
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

export type { LeasedCommand, NodeApiClientOptions, NodeJobAnswer, NodeJobStatus };
export { NodeApiClient, OPEN_STATUSES };
