/**
 * The B3IQ customer client: seal a job for a node, submit it, wait for it, open the answer.
 *
 * Trust: a node's transport keys are used only when their records verify against the key
 * directory, which the caller may pin; the control plane can route and bill but cannot swap in
 * a key of its own.
 *
 * @example
 * const client = new B3iqClient({ apiUrl, customerId, customerToken, keyStore: new FileKeyStore('.b3iq/keys') });
 * const { job_id } = await client.submitJob({ nodeId: 'node-a', modelId: 'llama-3.1-8b-instruct', prompt: 'Hello' });
 * const job = await client.waitForJob(job_id);
 * const answer = await client.openAnswer(job);
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AcceptedJob,
  type AccountView,
  B3iqApiError,
  type ChatMessage,
  DEFAULT_RETRY,
  decodeBase64url,
  encodeBase64url,
  type HttpOptions,
  type InferenceRequest,
  type InferenceResponse,
  type JobView,
  KeyDirectory,
  type KeyDirectoryView,
  type NodeView,
  openEnvelope,
  type PublishedTransportKey,
  type RetryPolicy,
  requestJson,
  sealEnvelope,
  TERMINAL_STATUSES,
} from '@b3iq/protocol';
import { B3iqDecryptError, B3iqJobIdInUseError, B3iqKeyTrustError, B3iqTimeoutError } from './errors.js';
import { type KeyStore, MemoryKeyStore } from './key-store.js';

interface B3iqClientOptions {
  /** Base URL without a trailing slash, e.g. `https://control-plane.example.com/prod`. */
  apiUrl: string;
  customerId: string;
  customerToken: string;
  /** Where request secrets wait for their answers; in memory unless given. */
  keyStore?: KeyStore;
  /** base64url DER SPKI of the key directory to trust; without it, the API's directory is trusted on first use. */
  pinnedDirectoryKey?: string;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
}

interface SubmitJobInput {
  nodeId: string;
  modelId: string;
  /** A prompt (sent as one user message), or the whole request. */
  prompt?: string;
  request?: InferenceRequest;
  messages?: ChatMessage[];
  maxPriceWei?: string;
  /** Made here when absent, so that retries of this submission stay one job. */
  jobId?: string;
  /** Seal to this key; default: the node's most recently issued verified key. */
  keyId?: string;
}

/** A node as the client trusts it: its answer from the API and the keys whose records verify. */
interface VerifiedNode {
  node: NodeView;
  trustedKeys: PublishedTransportKey[];
}

interface WaitOptions {
  timeoutMs?: number;
  /** First pause between reads; it grows by half each time up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  onPoll?: (job: JobView) => void;
}

class B3iqClient {
  readonly customerId: string;
  readonly keyStore: KeyStore;
  readonly #http: HttpOptions;
  readonly #pinnedDirectoryKey: string | undefined;
  #directory: Promise<KeyDirectory> | undefined;

  constructor(options: B3iqClientOptions) {
    this.customerId = options.customerId;
    this.keyStore = options.keyStore ?? new MemoryKeyStore();
    this.#pinnedDirectoryKey = options.pinnedDirectoryKey;
    this.#http = {
      apiUrl: options.apiUrl.replace(/\/+$/, ''),
      headers: { 'X-B3IQ-Customer-ID': options.customerId, 'X-B3IQ-Customer-Token': options.customerToken },
      retry: { ...DEFAULT_RETRY, ...options.retry },
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  getNode(nodeId: string): Promise<NodeView> {
    return requestJson(this.#http, 'GET', `/v1/private-inference/nodes/${encodeURIComponent(nodeId)}`);
  }

  getJob(jobId: string): Promise<JobView> {
    return requestJson(this.#http, 'GET', `/v1/private-inference/jobs/${encodeURIComponent(jobId)}`);
  }

  /**
   * Cancels a queued or claimed job and releases its reservation; answers the job as it now
   * stands. Safe to repeat. A completed or failed job raises `job_not_cancellable`.
   */
  cancelJob(jobId: string): Promise<JobView> {
    return requestJson(this.#http, 'POST', `/v1/private-inference/jobs/${encodeURIComponent(jobId)}/cancel`, {});
  }

  getAccount(): Promise<AccountView> {
    return requestJson(this.#http, 'GET', '/v1/billing/account');
  }

  /** The key directory, checked against the pinned key when there is one; fetched once. */
  keyDirectory(): Promise<KeyDirectory> {
    this.#directory ??= requestJson<KeyDirectoryView>(this.#http, 'GET', '/v1/private-inference/key-directory').then((view) => {
      if (this.#pinnedDirectoryKey !== undefined && view.public_key_spki !== this.#pinnedDirectoryKey) {
        throw new B3iqKeyTrustError('the API presented a key directory other than the pinned one; refusing to trust its node keys');
      }
      return new KeyDirectory(decodeBase64url(view.public_key_spki) ?? new Uint8Array());
    });
    this.#directory.catch(() => {
      this.#directory = undefined;
    });
    return this.#directory;
  }

  /** The node, and those of its transport keys whose signed records verify and whose signed window is open. */
  async getVerifiedNode(nodeId: string): Promise<VerifiedNode> {
    const [node, directory] = await Promise.all([this.getNode(nodeId), this.keyDirectory()]);
    const now = Date.now();
    const trustedKeys = node.transport_keys.filter((key) => directory.verifies(key, node.node_id) && !expiredBy(key, now));
    return { node, trustedKeys };
  }

  /**
   * Seals the request to a verified key of the node and submits it. The request's secret is saved
   * in the key store first. On `409 stale_transport_key` the node is read again and the request
   * resealed once.
   */
  async submitJob(input: SubmitJobInput): Promise<AcceptedJob> {
    const jobId = input.jobId ?? `job-${randomUUID()}`;
    const plaintext = new TextEncoder().encode(JSON.stringify(inferenceRequest(input)));
    for (let attempt = 1; ; attempt++) {
      // A reseal after a stale key replaces this call's own key; a first seal never replaces one.
      const body = await this.#sealFor(input, jobId, plaintext, attempt > 1);
      try {
        return await requestJson<AcceptedJob>(this.#http, 'POST', '/v1/private-inference/jobs', body);
      } catch (error) {
        if (!(error instanceof B3iqApiError)) throw error; // maybe accepted: keep the key for a retry
        if (attempt === 1 && error.code === 'stale_transport_key' && input.keyId === undefined) continue;
        // Refused, so nothing was reserved or queued and the key will never open anything.
        await this.keyStore.delete(this.customerId, jobId);
        throw error;
      }
    }
  }

  /** Reads the job until it ends (completed, failed, expired or cancelled), with growing pauses. */
  async waitForJob(jobId: string, options: WaitOptions = {}): Promise<JobView> {
    const timeoutMs = options.timeoutMs ?? 10 * 60_000;
    const startedAt = Date.now();
    let interval = options.intervalMs ?? 500;
    for (;;) {
      options.signal?.throwIfAborted();
      const job = await this.getJob(jobId);
      options.onPoll?.(job);
      if (TERMINAL_STATUSES.includes(job.status)) return job;
      const left = timeoutMs - (Date.now() - startedAt);
      if (left <= 0) throw new B3iqTimeoutError(jobId, timeoutMs);
      await sleep(Math.min(interval, left), undefined, options.signal ? { signal: options.signal } : {});
      interval = Math.min(interval * 1.5, options.maxIntervalMs ?? 5_000);
    }
  }

  /**
   * Opens a completed job's answer with the request's secret from the key store, then forgets the
   * secret (it has no other use).
   */
  async openAnswer(job: JobView): Promise<InferenceResponse> {
    if (job.encrypted_response === null) {
      throw new B3iqDecryptError(`job ${job.job_id} has no answer to open (status ${job.status})`);
    }
    const pending = await this.keyStore.load(this.customerId, job.job_id);
    if (pending === undefined) {
      throw new B3iqDecryptError(
        `no request key for job ${job.job_id} in the key store; only the client that submitted it can open it, once`,
      );
    }
    let plaintext: Uint8Array;
    try {
      plaintext = openEnvelope('response', decodeBase64url(pending.ephemeral_secret_key) ?? new Uint8Array(), job.encrypted_response, {
        key_id: pending.key_id,
        node_id: job.node_id,
        model_id: job.model_id,
        job_id: job.job_id,
      });
    } catch (error) {
      throw new B3iqDecryptError(`the answer to job ${job.job_id} does not open with its request key`, { cause: error });
    }
    await this.keyStore.delete(this.customerId, job.job_id);
    return JSON.parse(new TextDecoder().decode(plaintext)) as InferenceResponse;
  }

  async #sealFor(input: SubmitJobInput, jobId: string, plaintext: Uint8Array, replace: boolean) {
    const { node, trustedKeys } = await this.getVerifiedNode(input.nodeId);
    const key = chooseKey(trustedKeys, input.keyId);
    if (key === undefined) {
      throw new B3iqKeyTrustError(
        input.keyId === undefined
          ? `node ${node.node_id} has no transport key whose signed record verifies; do not send it anything`
          : `node ${node.node_id} has no verified transport key ${input.keyId}`,
      );
    }
    const binding = { key_id: key.key_id, node_id: node.node_id, model_id: input.modelId };
    const { envelope, ephemeralSecretKey } = sealEnvelope(
      'request',
      decodeBase64url(key.public_key_x25519) ?? new Uint8Array(),
      binding,
      plaintext,
    );
    const saved = await this.keyStore.save(
      {
        customer_id: this.customerId,
        job_id: jobId,
        node_id: node.node_id,
        model_id: input.modelId,
        key_id: key.key_id,
        ephemeral_secret_key: encodeBase64url(ephemeralSecretKey),
        created_at: new Date().toISOString(),
      },
      { replace },
    );
    if (!saved) {
      throw new B3iqJobIdInUseError(jobId);
    }
    return {
      job_id: jobId,
      node_id: node.node_id,
      model_id: input.modelId,
      ...(input.maxPriceWei === undefined ? {} : { max_price_wei: input.maxPriceWei }),
      encrypted_request: envelope,
    };
  }
}

function inferenceRequest(input: SubmitJobInput): InferenceRequest {
  if (input.request !== undefined) return input.request;
  if (input.messages !== undefined) return { messages: input.messages };
  if (input.prompt !== undefined) return { messages: [{ role: 'user', content: input.prompt }] };
  throw new TypeError('submitJob needs a prompt, messages or a request');
}

/** True when the key's signed record says its validity window ended at or before `now`. */
function expiredBy(key: PublishedTransportKey, now: number): boolean {
  const { valid_until: validUntil } = JSON.parse(key.signed_record) as { valid_until?: string };
  return validUntil !== undefined && !(Date.parse(validUntil) > now);
}

/** The named key, or the most recently issued one. */
function chooseKey(keys: PublishedTransportKey[], keyId: string | undefined): PublishedTransportKey | undefined {
  if (keyId !== undefined) return keys.find((key) => key.key_id === keyId);
  const issuedAt = (key: PublishedTransportKey) => (JSON.parse(key.signed_record) as { issued_at: string }).issued_at;
  return [...keys].sort((a, b) => (issuedAt(a) < issuedAt(b) ? 1 : -1))[0];
}

export type { B3iqClientOptions, SubmitJobInput, VerifiedNode, WaitOptions };
export { B3iqClient };
