/**
 * The B3IQ customer client: seal a job for a node, submit it, wait for it, open the answer.
 *
 * Trust: the key directory of each API URL and each node's identity key are pinned the first time
 * the client meets them (see trust-store.ts); a different one later is refused before anything is
 * sealed or sent. A transport key is used only when the directory's signature and the node's own
 * signature both vouch for it, and an answer is opened only after the node's receipt, signed by
 * its pinned identity key, states the client's own request and this very response. The control
 * plane can route and bill but can neither swap in a key of its own nor forge an answer.
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
  apiUrlProblem,
  B3iqApiError,
  type ChatMessage,
  DEFAULT_RETRY,
  decodeBase64url,
  type Envelope,
  encodeBase64url,
  envelopeSha256,
  type HttpOptions,
  type InferenceRequest,
  type InferenceResponse,
  type JobList,
  type JobStatus,
  type JobView,
  KeyDirectory,
  type KeyDirectoryView,
  type ListedJob,
  type ListedNode,
  type NodeList,
  type NodeView,
  openEnvelope,
  type PublishedTransportKey,
  type Receipt,
  type ReceiptView,
  type RetryPolicy,
  requestJson,
  sealEnvelope,
  TERMINAL_STATUSES,
  type WebhookEndpointCreated,
  type WebhookEndpointList,
  type WebhookEndpointView,
  type WebhookEvent,
} from '@b3iq/protocol';
import { checkReceipt } from './answer-receipt.js';
import {
  B3iqConfigError,
  B3iqDecryptError,
  B3iqJobIdInUseError,
  B3iqKeyChangedError,
  B3iqKeyTrustError,
  B3iqReceiptError,
  B3iqTimeoutError,
} from './errors.js';
import { type KeyStore, MemoryKeyStore, type PendingJobKey } from './key-store.js';
import { chooseKey, directoryVouchesFor, type KeyVerdicts, verifyNodeKeys } from './node-trust.js';
import { FileTrustStore, fingerprint, type TrustStore } from './trust-store.js';

interface B3iqClientOptions {
  /** Base URL without a trailing slash, e.g. `https://control-plane.example.com/prod`; `https://` unless it is this machine. */
  apiUrl: string;
  customerId: string;
  customerToken: string;
  /** Where request secrets wait for their answers; in memory unless given. */
  keyStore?: KeyStore;
  /**
   * Where the directory and node identity keys are pinned on first use. Default: the file store at
   * `~/.b3iq/known-keys.json`, the one `b3iq` uses; `MemoryTrustStore` remembers nothing past the process.
   */
  trustStore?: TrustStore;
  /** base64url DER SPKI of the key directory to trust; it wins over the trust store's pin. */
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

/** A node as the client trusts it: its answer from the API, the keys both signatures vouch for, and why the others are not used. */
interface VerifiedNode {
  node: NodeView;
  trustedKeys: PublishedTransportKey[];
  rejectedKeys: { key_id: string; reason: string }[];
  /** The node identity key the client trusts (pinned, or pinned now); null: none, so no key is used. */
  identityKey: string | null;
}

/** A pin changed by an explicit accept: the key before (if any) and after, by fingerprint. */
interface PinChange {
  previous: string | undefined;
  current: string;
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
  readonly trustStore: TrustStore;
  readonly #http: HttpOptions;
  readonly #pinnedDirectoryKey: string | undefined;
  #directory: Promise<KeyDirectory> | undefined;

  constructor(options: B3iqClientOptions) {
    const problem = apiUrlProblem(options.apiUrl);
    if (problem !== undefined) throw new B3iqConfigError(problem);
    this.customerId = options.customerId;
    this.keyStore = options.keyStore ?? new MemoryKeyStore();
    this.trustStore = options.trustStore ?? new FileTrustStore();
    this.#pinnedDirectoryKey = options.pinnedDirectoryKey;
    this.#http = {
      apiUrl: options.apiUrl.replace(/\/+$/, ''),
      headers: { 'X-B3IQ-Customer-ID': options.customerId, 'X-B3IQ-Customer-Token': options.customerToken },
      retry: { ...DEFAULT_RETRY, ...options.retry },
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  /** The API URL the client calls, as its pins are keyed. */
  get apiUrl(): string {
    return this.#http.apiUrl;
  }

  getNode(nodeId: string): Promise<NodeView> {
    return requestJson(this.#http, 'GET', `/v1/private-inference/nodes/${encodeURIComponent(nodeId)}`);
  }

  getJob(jobId: string): Promise<JobView> {
    return requestJson(this.#http, 'GET', `/v1/private-inference/jobs/${encodeURIComponent(jobId)}`);
  }

  /** The receipt as the API serves it, unchecked (see `verifyReceipt`). */
  async getReceipt(receiptHash: string): Promise<ReceiptView> {
    if (!/^[0-9a-f]{64}$/.test(receiptHash)) {
      throw new B3iqReceiptError(`${JSON.stringify(receiptHash)} is not a receipt hash (64 lowercase hex digits)`);
    }
    return requestJson(this.#http, 'GET', `/v1/receipts/${receiptHash}`);
  }

  /**
   * Cancels a queued or claimed job and releases its reservation; answers the job as it now
   * stands. Safe to repeat. A completed or failed job raises `job_not_cancellable`.
   */
  cancelJob(jobId: string): Promise<JobView> {
    return requestJson(this.#http, 'POST', `/v1/private-inference/jobs/${encodeURIComponent(jobId)}/cancel`, {});
  }

  /** One page of the caller's jobs, newest first (no envelopes); pass its `next_cursor` as `cursor` for the next. */
  listJobsPage(options: ListJobsOptions & { cursor?: string | null } = {}): Promise<JobList> {
    return requestJson(
      this.#http,
      'GET',
      `/v1/private-inference/jobs${listQuery({ status: options.status, limit: options.limit, cursor: options.cursor })}`,
    );
  }

  /**
   * Every job of the caller's, newest first, fetched a page (`limit` jobs, at most) at a time. A job
   * that existed when the walk began comes exactly once; one submitted during the walk may not come.
   */
  async *listJobs(options: ListJobsOptions = {}): AsyncGenerator<ListedJob> {
    let cursor: string | null = null;
    do {
      const page: JobList = await this.listJobsPage({ ...options, cursor });
      yield* page.jobs;
      cursor = page.next_cursor;
    } while (cursor !== null);
  }

  /** One page of the active nodes, by id; pass its `next_cursor` as `cursor` for the next. */
  listNodesPage(options: ListNodesOptions & { cursor?: string | null } = {}): Promise<NodeList> {
    return requestJson(
      this.#http,
      'GET',
      `/v1/private-inference/nodes${listQuery({ model_id: options.modelId, limit: options.limit, cursor: options.cursor })}`,
    );
  }

  /** Every active node (serving `modelId`, if given), by id, a page at a time. */
  async *listNodes(options: ListNodesOptions = {}): AsyncGenerator<ListedNode> {
    let cursor: string | null = null;
    do {
      const page: NodeList = await this.listNodesPage({ ...options, cursor });
      yield* page.nodes;
      cursor = page.next_cursor;
    } while (cursor !== null);
  }

  getAccount(): Promise<AccountView> {
    return requestJson(this.#http, 'GET', '/v1/billing/account');
  }

  /** Registers a webhook endpoint for job events; the answer's `secret` is shown only here (verify deliveries with `verifyWebhook`). */
  createWebhookEndpoint(url: string, events: WebhookEvent[]): Promise<WebhookEndpointCreated> {
    return requestJson(this.#http, 'POST', '/v1/webhooks/endpoints', { url, events });
  }

  listWebhookEndpoints(): Promise<WebhookEndpointList> {
    return requestJson(this.#http, 'GET', '/v1/webhooks/endpoints');
  }

  deleteWebhookEndpoint(endpointId: string): Promise<WebhookEndpointView> {
    return requestJson(this.#http, 'DELETE', `/v1/webhooks/endpoints/${encodeURIComponent(endpointId)}`);
  }

  /**
   * The key directory, checked against the pin: `pinnedDirectoryKey` when given, else the trust
   * store's, which records it on first use. Fetched once.
   */
  keyDirectory(): Promise<KeyDirectory> {
    this.#directory ??= this.#presentedDirectory().then(async (directory) => {
      const presented = directory.publicKeySpki;
      // A pin that is not even a key cannot match: refused below like any other directory than the pinned one.
      const optionPin = this.#pinnedDirectoryKey === undefined ? undefined : canonicalOrAsGiven(this.#pinnedDirectoryKey);
      const pinned = optionPin ?? (await this.trustStore.pinDirectoryKey(this.apiUrl, presented));
      if (pinned !== presented) {
        throw new B3iqKeyChangedError(
          { kind: 'directory', apiUrl: this.apiUrl },
          fingerprint(pinned),
          fingerprint(presented),
          optionPin !== undefined,
        );
      }
      return directory;
    });
    this.#directory.catch(() => {
      this.#directory = undefined;
    });
    return this.#directory;
  }

  /**
   * The node the caller asked for, with the keys the client may seal to. Its identity key is
   * pinned on first use (when the directory vouches for it); another one later is refused.
   */
  async getVerifiedNode(nodeId: string): Promise<VerifiedNode> {
    const { node, verdicts, identityKey } = await this.#verifiedNode(nodeId);
    return { node, trustedKeys: verdicts.trusted.map(({ key }) => key), rejectedKeys: verdicts.rejected, identityKey };
  }

  async #verifiedNode(nodeId: string): Promise<{ node: NodeView; verdicts: KeyVerdicts; identityKey: string | null }> {
    const [node, directory] = await Promise.all([this.getNode(nodeId), this.keyDirectory()]);
    if (node.node_id !== nodeId) {
      throw new B3iqKeyTrustError(`asked for node ${nodeId}, the API answered with node ${String(node.node_id)}; refusing it`);
    }
    const identityKey = await this.#trustedIdentity(node, directory);
    return { node, verdicts: verifyNodeKeys(node, nodeId, identityKey, directory, Date.now()), identityKey };
  }

  /** Fetches the receipt and returns what it states, once its hash holds and the node's pinned identity key signed it. */
  async verifyReceipt(receiptHash: string): Promise<Receipt> {
    const view = await this.getReceipt(receiptHash);
    const nodeId = (view.receipt as { node_id?: unknown }).node_id;
    if (typeof nodeId !== 'string') throw new B3iqReceiptError(`receipt ${receiptHash} names no node`);
    const identityKey = await this.#identityKeyOf(nodeId);
    const checked = checkReceipt(view, { receiptHash, identityKey, node_id: nodeId });
    if ('problem' in checked) throw new B3iqReceiptError(`receipt ${receiptHash} does not verify: ${checked.problem}`);
    return checked.receipt;
  }

  /** Pins the key directory the API presents now in place of the pinned one (after its operator confirms a rotation). */
  async acceptDirectoryKey(): Promise<PinChange> {
    const presented = (await this.#presentedDirectory()).publicKeySpki;
    const previous = await this.trustStore.directoryKey(this.apiUrl);
    await this.trustStore.pinDirectoryKey(this.apiUrl, presented, { replace: true });
    this.#directory = undefined;
    return { previous: previous === undefined ? undefined : fingerprint(previous), current: fingerprint(presented) };
  }

  /** Pins the key directory ahead of first use, e.g. from the stack's deploy output (base64url DER SPKI). */
  async pinDirectoryKey(publicKeySpki: string): Promise<PinChange> {
    const key = canonicalDirectoryKey(publicKeySpki);
    const previous = await this.trustStore.directoryKey(this.apiUrl);
    await this.trustStore.pinDirectoryKey(this.apiUrl, key, { replace: true });
    this.#directory = undefined;
    return { previous: previous === undefined ? undefined : fingerprint(previous), current: fingerprint(key) };
  }

  /**
   * Pins the identity key the node presents now in place of the pinned one. The (pinned) key
   * directory must still vouch for it: a record it signed names the new key.
   */
  async acceptNodeIdentityKey(nodeId: string): Promise<PinChange> {
    const [node, directory] = await Promise.all([this.getNode(nodeId), this.keyDirectory()]);
    const presented = node.identity_public_key_ed25519;
    if (node.node_id !== nodeId)
      throw new B3iqKeyTrustError(`asked for node ${nodeId}, the API answered with node ${String(node.node_id)}`);
    if (typeof presented !== 'string' || !directoryVouchesFor(node, nodeId, presented, directory)) {
      throw new B3iqKeyTrustError(`node ${nodeId} presents no identity key that the key directory vouches for; nothing to accept`);
    }
    const previous = await this.trustStore.nodeIdentityKey(this.apiUrl, nodeId);
    await this.trustStore.pinNodeIdentityKey(this.apiUrl, nodeId, presented, { replace: true });
    return { previous: previous === undefined ? undefined : fingerprint(previous), current: fingerprint(presented) };
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
   * secret (it has no other use). First the job's receipt must hold: signed by the node's pinned
   * identity key, stating this client's own request and the response being opened.
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
    await this.#checkAnswerReceipt(job, job.encrypted_response as Envelope, pending);
    let plaintext: Uint8Array;
    try {
      plaintext = openEnvelope('response', decodeBase64url(pending.ephemeral_secret_key) ?? new Uint8Array(), job.encrypted_response, {
        key_id: pending.key_id,
        node_id: pending.node_id,
        model_id: pending.model_id,
        job_id: pending.job_id,
      });
    } catch (error) {
      throw new B3iqDecryptError(`the answer to job ${job.job_id} does not open with its request key`, { cause: error });
    }
    await this.keyStore.delete(this.customerId, job.job_id);
    return JSON.parse(new TextDecoder().decode(plaintext)) as InferenceResponse;
  }

  /** Throws unless the job's receipt binds the answer to the node this client sealed its request for. */
  async #checkAnswerReceipt(job: JobView, response: Envelope, pending: PendingJobKey): Promise<void> {
    const refuse = (why: string) => new B3iqReceiptError(`the answer to job ${pending.job_id} is not opened: ${why}`);
    if (job.node_id !== pending.node_id || job.model_id !== pending.model_id) {
      throw refuse(
        `the job names node ${job.node_id} and model ${job.model_id}, the request was sealed for ${pending.node_id}, ${pending.model_id}`,
      );
    }
    if (pending.request_sha256 === undefined) throw refuse('its request key was saved by an older client, without the request hash');
    if (job.receipt_hash === null) throw refuse('the job has no receipt from its node');
    const identityKey = await this.#identityKeyOf(pending.node_id);
    const checked = checkReceipt(await this.getReceipt(job.receipt_hash), {
      receiptHash: job.receipt_hash,
      identityKey,
      node_id: pending.node_id,
      model_id: pending.model_id,
      job_id: pending.job_id,
      request_sha256: pending.request_sha256,
      response_sha256: envelopeSha256(response),
    });
    if ('problem' in checked) throw refuse(`its receipt does not hold: ${checked.problem}`);
  }

  /** The directory key the API presents, parsed (not yet checked against any pin). */
  async #presentedDirectory(): Promise<KeyDirectory> {
    const view = await requestJson<KeyDirectoryView>(this.#http, 'GET', '/v1/private-inference/key-directory');
    try {
      return new KeyDirectory(decodeBase64url(String(view.public_key_spki)) ?? new Uint8Array());
    } catch (error) {
      throw new B3iqKeyTrustError(`the key directory of ${this.apiUrl} is not a public key`, { cause: error });
    }
  }

  /**
   * The identity key to trust for `node`: the pin, which the node must present; else the key it
   * presents, pinned now if the directory vouches for it. null when it presents none.
   */
  async #trustedIdentity(node: NodeView, directory: KeyDirectory): Promise<string | null> {
    const nodeId = node.node_id;
    const presented = typeof node.identity_public_key_ed25519 === 'string' ? node.identity_public_key_ed25519 : null;
    const pinned = await this.trustStore.nodeIdentityKey(this.apiUrl, nodeId);
    const subject = { kind: 'node', apiUrl: this.apiUrl, nodeId } as const;
    if (pinned !== undefined) {
      if (presented !== pinned)
        throw new B3iqKeyChangedError(subject, fingerprint(pinned), presented === null ? 'none' : fingerprint(presented));
      return pinned;
    }
    if (presented === null || !directoryVouchesFor(node, nodeId, presented, directory)) return presented;
    const now = await this.trustStore.pinNodeIdentityKey(this.apiUrl, nodeId, presented);
    if (now !== presented) throw new B3iqKeyChangedError(subject, fingerprint(now), fingerprint(presented));
    return presented;
  }

  /** The node's pinned identity key; a node not met yet is read (and pinned) first. */
  async #identityKeyOf(nodeId: string): Promise<string> {
    const pinned = await this.trustStore.nodeIdentityKey(this.apiUrl, nodeId);
    if (pinned !== undefined) return pinned;
    const { identityKey } = await this.getVerifiedNode(nodeId);
    const now = await this.trustStore.nodeIdentityKey(this.apiUrl, nodeId);
    if (identityKey === null || now === undefined) {
      throw new B3iqKeyTrustError(`node ${nodeId} has no identity key that the key directory vouches for`);
    }
    return now;
  }

  async #sealFor(input: SubmitJobInput, jobId: string, plaintext: Uint8Array, replace: boolean) {
    const { verdicts } = await this.#verifiedNode(input.nodeId);
    const chosen = chooseKey(verdicts.trusted, input.keyId);
    if (chosen === undefined) {
      const why = verdicts.rejected.map((rejected) => `${rejected.key_id}: ${rejected.reason}`).join('; ');
      throw new B3iqKeyTrustError(
        (input.keyId === undefined
          ? `node ${input.nodeId} has no transport key that both the key directory and the node vouch for; nothing was sent`
          : `node ${input.nodeId} has no verified transport key ${input.keyId}; nothing was sent`) + (why ? ` (${why})` : ''),
      );
    }
    const { key } = chosen;
    const binding = { key_id: key.key_id, node_id: input.nodeId, model_id: input.modelId };
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
        node_id: input.nodeId,
        model_id: input.modelId,
        key_id: key.key_id,
        ephemeral_secret_key: encodeBase64url(ephemeralSecretKey),
        request_sha256: envelopeSha256(envelope),
        created_at: new Date().toISOString(),
      },
      { replace },
    );
    if (!saved) {
      throw new B3iqJobIdInUseError(jobId);
    }
    return {
      job_id: jobId,
      node_id: input.nodeId,
      model_id: input.modelId,
      ...(input.maxPriceWei === undefined ? {} : { max_price_wei: input.maxPriceWei }),
      encrypted_request: envelope,
    };
  }
}

function canonicalOrAsGiven(publicKeySpki: string): string {
  try {
    return canonicalDirectoryKey(publicKeySpki);
  } catch {
    return publicKeySpki;
  }
}

/** A directory key as pinned: the canonical base64url DER SPKI; refuses what is not a public key. */
function canonicalDirectoryKey(publicKeySpki: string): string {
  try {
    return new KeyDirectory(decodeBase64url(publicKeySpki) ?? new Uint8Array()).publicKeySpki;
  } catch (error) {
    throw new B3iqConfigError('the directory key to pin is not a base64url DER SubjectPublicKeyInfo (see the deploy output)', {
      cause: error,
    });
  }
}

function inferenceRequest(input: SubmitJobInput): InferenceRequest {
  if (input.request !== undefined) return input.request;
  if (input.messages !== undefined) return { messages: input.messages };
  if (input.prompt !== undefined) return { messages: [{ role: 'user', content: input.prompt }] };
  throw new TypeError('submitJob needs a prompt, messages or a request');
}

/** A listing's query string from the parameters that are set (`?a=1&b=2`, or nothing). */
function listQuery(parameters: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) if (value !== undefined && value !== null) query.set(name, String(value));
  const text = query.toString();
  return text.length === 0 ? '' : `?${text}`;
}

interface ListJobsOptions {
  /** Only jobs with this status. */
  status?: JobStatus;
  /** Jobs per page, 1 to 100 (the API's default: 20). */
  limit?: number;
}

interface ListNodesOptions {
  /** Only nodes that serve this model. */
  modelId?: string;
  /** Nodes per page, 1 to 100 (the API's default: 20). */
  limit?: number;
}

export type { B3iqClientOptions, ListJobsOptions, ListNodesOptions, PinChange, SubmitJobInput, VerifiedNode, WaitOptions };
export { B3iqClient };
