/**
 * The node agent: pulls commands from the node's queue, opens each request with the transport key
 * it names, runs the inference backend, seals the answer back to the client, signs a
 * `b3iq-receipt-v1` and posts both. While it works it extends the command's lease every third of
 * the lease, and stops when the control plane says the job is no longer open. On `stop()` it pulls
 * no more, lets work in flight finish within a grace period, then gives the rest back.
 *
 * It logs one line per command (id, outcome, milliseconds) and never plaintext, keys or envelopes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatMessage, InferenceRequest, RetryPolicy } from '@b3iq/protocol';
import {
  B3iqApiError,
  decodeCheckedBase64url,
  envelopeSha256,
  isId,
  openEnvelope,
  type Receipt,
  receiptText,
  sealEnvelope,
  signReceipt,
} from '@b3iq/protocol';
import { type Completion, type InferenceBackend, InferenceBackendError } from './backends.js';
import type { NodeKeys } from './key-file.js';
import { type LeasedCommand, NodeApiClient, OPEN_STATUSES } from './node-api-client.js';

interface NodeAgentOptions {
  /** The API's base URL, stage included. */
  apiUrl: string;
  keys: NodeKeys;
  backend: InferenceBackend;
  /** Commands worked on at once. Default 2. */
  concurrency?: number;
  /** The lease asked for at pull and at each extension. Default 120 s (10..43200). */
  leaseSeconds?: number;
  /** How often a lease is extended while work goes on. Default: a third of `leaseSeconds`. */
  extendEveryMs?: number;
  /** Long-poll wait of each pull. Default 20 s (0..20). */
  waitSeconds?: number;
  /** How long `stop()` lets work in flight finish before giving it back. Default 20 s. */
  graceMs?: number;
  /** Called once, when the first pull is sent. */
  onPolling?: () => void;
  /** One line per event; default: stderr. */
  log?: (line: string) => void;
  retry?: RetryPolicy;
  fetch?: typeof fetch;
}

/** Why a command's work was cut short. */
type AbortReason = 'job_closed' | 'lease_expired' | 'shutdown';

interface Task {
  leased: LeasedCommand;
  controller: AbortController;
  /** `posting` once the answer exists: it is then posted whatever happens. */
  phase: 'working' | 'posting';
  closedStatus?: string;
  done: Promise<void>;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** What a log line prints of an id the control plane sent: plain id characters only, nothing a terminal acts on. */
const PRINTABLE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** The request plaintext, or `undefined` if it is not `{"messages": [...], "max_tokens"?, "temperature"?}`. */
function parseRequest(plaintext: Uint8Array): InferenceRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { messages, max_tokens: maxTokens, temperature } = value as Record<string, unknown>;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  const valid = messages.every(
    (message: unknown) =>
      typeof message === 'object' &&
      message !== null &&
      ROLES.has((message as ChatMessage).role) &&
      typeof (message as ChatMessage).content === 'string',
  );
  if (!valid) return undefined;
  if (maxTokens !== undefined && (!Number.isSafeInteger(maxTokens) || (maxTokens as number) < 1)) return undefined;
  if (temperature !== undefined && (typeof temperature !== 'number' || !Number.isFinite(temperature))) return undefined;
  return {
    messages: (messages as ChatMessage[]).map(({ role, content }) => ({ role, content })),
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens as number }),
    ...(temperature === undefined ? {} : { temperature }),
  };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (a backend may ignore its signal). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const errorLabel = (error: unknown) =>
  error instanceof B3iqApiError ? `${error.status} ${error.code}` : error instanceof Error ? error.name : 'error';

class NodeAgent {
  readonly #api: NodeApiClient;
  readonly #keys: NodeKeys;
  readonly #backend: InferenceBackend;
  readonly #concurrency: number;
  readonly #leaseSeconds: number;
  readonly #extendEveryMs: number;
  readonly #waitSeconds: number;
  readonly #graceMs: number;
  readonly #onPolling: (() => void) | undefined;
  readonly #log: (line: string) => void;
  readonly #tasks = new Set<Task>();
  readonly #pullController = new AbortController();
  #stopping = false;
  #polling = false;
  #fatal: unknown;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(options: NodeAgentOptions) {
    this.#keys = options.keys;
    this.#backend = options.backend;
    this.#concurrency = options.concurrency ?? 2;
    this.#leaseSeconds = options.leaseSeconds ?? 120;
    this.#extendEveryMs = options.extendEveryMs ?? (this.#leaseSeconds * 1000) / 3;
    this.#waitSeconds = options.waitSeconds ?? 20;
    this.#graceMs = options.graceMs ?? 20_000;
    this.#onPolling = options.onPolling;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    if (!Number.isSafeInteger(this.#concurrency) || this.#concurrency < 1 || this.#concurrency > 100)
      throw new RangeError('concurrency must be an integer from 1 to 100');
    if (!Number.isSafeInteger(this.#leaseSeconds) || this.#leaseSeconds < 10 || this.#leaseSeconds > 43_200)
      throw new RangeError('leaseSeconds must be an integer from 10 to 43200');
    if (!Number.isSafeInteger(this.#waitSeconds) || this.#waitSeconds < 0 || this.#waitSeconds > 20)
      throw new RangeError('waitSeconds must be an integer from 0 to 20');
    this.#api = new NodeApiClient({
      apiUrl: options.apiUrl,
      nodeId: options.keys.nodeId,
      identitySecretKey: options.keys.identitySecretKey,
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  /** Commands being worked on now. */
  get inFlight(): number {
    return this.#tasks.size;
  }

  /**
   * Pulls and works until `stop()`; resolves once every command is answered or given back.
   * Rejects when the control plane refuses the node (not enrolled, bad signature, wrong URL).
   */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Pulls no more; work in flight gets the grace period, then is given back. Resolves when `run()` is done. */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#pullController.abort();
      this.#wake?.();
    }
    await this.#running?.catch(() => undefined);
  }

  async #loop(): Promise<void> {
    let pause = 0;
    while (!this.#stopping) {
      if (this.#tasks.size >= this.#concurrency) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      if (pause > 0) {
        await sleep(pause, undefined, { signal: this.#pullController.signal }).catch(() => undefined);
        if (this.#stopping) break;
      }
      let leased: LeasedCommand[];
      try {
        if (!this.#polling) {
          this.#polling = true;
          this.#onPolling?.();
        }
        leased = await this.#api.pull(
          {
            maxCommands: Math.min(10, this.#concurrency - this.#tasks.size),
            waitSeconds: this.#waitSeconds,
            leaseSeconds: this.#leaseSeconds,
          },
          this.#pullController.signal,
        );
        pause = 0;
      } catch (error) {
        if (this.#stopping) break;
        if (error instanceof B3iqApiError && error.status !== 429) {
          this.#fatal = error;
          this.#log(`b3iq-node: pull refused: ${error.code}: ${error.message}`);
          this.#stopping = true;
          break;
        }
        pause = Math.min(30_000, Math.max(1_000, pause * 2));
        this.#log(
          `b3iq-node: pull failed (${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(pause / 1000)} s`,
        );
        continue;
      }
      for (const command of leased) {
        if (this.#stopping) void this.#giveBack(command);
        else this.#start(command);
      }
    }
    await this.#drain();
    if (this.#fatal !== undefined) throw this.#fatal;
  }

  /** Waits for work in flight up to the grace period, then cuts it short and gives it back. */
  async #drain(): Promise<void> {
    if (this.#tasks.size === 0) return;
    const all = () => Promise.allSettled([...this.#tasks].map((task) => task.done));
    const grace = new AbortController();
    const late = await Promise.race([all().then(() => false), sleep(this.#graceMs, true, { signal: grace.signal }).catch(() => false)]);
    grace.abort();
    if (late) {
      for (const task of this.#tasks) if (task.phase === 'working') task.controller.abort('shutdown' satisfies AbortReason);
    }
    await all();
  }

  async #giveBack(leased: LeasedCommand): Promise<void> {
    const started = performance.now();
    const outcome = await this.#release(leased);
    this.#logCommand(leased, outcome, started);
  }

  async #release(leased: LeasedCommand): Promise<string> {
    try {
      const answer = await this.#api.extendLease(leased.command.command_id, leased.lease_id, 0);
      return OPEN_STATUSES.has(answer.status) ? 'released' : `closed:${answer.status}`;
    } catch (error) {
      return error instanceof B3iqApiError && error.code === 'lease_expired' ? 'released' : `release_failed:${errorLabel(error)}`;
    }
  }

  #start(leased: LeasedCommand): void {
    const started = performance.now();
    const task: Task = { leased, controller: new AbortController(), phase: 'working', done: Promise.resolve() };
    this.#tasks.add(task);
    let extending = false;
    const timer = setInterval(() => {
      if (extending) return;
      extending = true;
      void this.#extend(task).finally(() => (extending = false));
    }, this.#extendEveryMs);
    task.done = this.#work(task)
      .catch((error: unknown) => `error:${errorLabel(error)}`)
      .then((outcome) => {
        clearInterval(timer);
        this.#tasks.delete(task);
        this.#logCommand(leased, outcome, started);
        this.#wake?.();
      });
  }

  #logCommand(leased: LeasedCommand, outcome: string, started: number): void {
    // The command id is the control plane's text: print it only if it is made of plain id characters.
    const id = PRINTABLE_ID.test(leased.command.command_id) ? leased.command.command_id : '?';
    this.#log(`b3iq-node: command=${id} delivery=${leased.delivery} outcome=${outcome} ms=${Math.round(performance.now() - started)}`);
  }

  async #extend(task: Task): Promise<void> {
    const { command, lease_id: leaseId } = task.leased;
    if (task.controller.signal.aborted) return; // cut short: the lease is being given back or is gone
    try {
      const answer = await this.#api.extendLease(command.command_id, leaseId, this.#leaseSeconds);
      if (!OPEN_STATUSES.has(answer.status)) {
        task.closedStatus = answer.status;
        task.controller.abort('job_closed' satisfies AbortReason);
      }
    } catch (error) {
      if (error instanceof B3iqApiError && error.code === 'lease_expired') task.controller.abort('lease_expired' satisfies AbortReason);
      else if (error instanceof B3iqApiError && error.code === 'command_not_found')
        task.controller.abort('job_closed' satisfies AbortReason);
      else this.#log(`b3iq-node: lease extension failed for command=${command.command_id} (${errorLabel(error)}); will try again`);
    }
  }

  /** Works one command; returns its outcome for the log. */
  async #work(task: Task): Promise<string> {
    const { command } = task.leased;
    const signal = task.controller.signal;
    if (typeof command.price_wei !== 'string' || !/^[0-9]{1,78}$/.test(command.price_wei)) {
      return this.#fail(task, 'command_unsupported', 'the command carries no price_wei; this agent needs a control plane that sends it');
    }
    const keyId = command.encrypted_request?.key_id;
    const key = this.#keys.transportKeys.find((candidate) => candidate.keyId === keyId);
    if (key === undefined) {
      const named = isId('key_id', keyId) ? `"${keyId}"` : 'it names';
      return this.#fail(task, 'request_unreadable', `the request is sealed to transport key ${named}, which this node does not hold`);
    }
    let plaintext: Uint8Array;
    try {
      plaintext = openEnvelope('request', key.secretKey, command.encrypted_request, {
        key_id: key.keyId,
        node_id: this.#keys.nodeId,
        model_id: command.model_id,
      });
    } catch {
      return this.#fail(task, 'request_unreadable', "the request does not open with this node's transport key for this node and model");
    }
    const request = parseRequest(plaintext);
    if (request === undefined) {
      return this.#fail(task, 'request_unreadable', 'the request plaintext is not {"messages": [...], "max_tokens"?, "temperature"?}');
    }

    let completion: Completion;
    try {
      completion = await unlessAborted(this.#backend.complete(request, command.model_id, signal), signal);
    } catch (error) {
      if (signal.aborted) return this.#cutShort(task);
      return this.#fail(task, 'inference_failed', error instanceof InferenceBackendError ? error.message : 'the inference backend failed');
    }
    if (signal.aborted) return this.#cutShort(task);
    task.phase = 'posting';
    return this.#answer(task, completion);
  }

  async #answer(task: Task, completion: Completion): Promise<string> {
    const { command, lease_id: leaseId } = task.leased;
    const response = JSON.stringify({ message: { role: 'assistant', content: completion.content }, usage: completion.usage });
    const clientKey = decodeCheckedBase64url(command.encrypted_request.client_public_key_x25519, 'client_public_key_x25519');
    let sealed: ReturnType<typeof sealEnvelope>;
    try {
      sealed = sealEnvelope(
        'response',
        clientKey,
        {
          key_id: command.encrypted_request.key_id,
          node_id: this.#keys.nodeId,
          model_id: command.model_id,
          job_id: command.job_id,
        },
        new TextEncoder().encode(response),
      );
    } catch (error) {
      if (error instanceof RangeError)
        return this.#fail(task, 'response_too_large', 'the answer is larger than an envelope may carry (512 KiB)');
      throw error;
    }
    const receipt: Receipt = {
      type: 'b3iq-receipt-v1',
      node_id: this.#keys.nodeId,
      model_id: command.model_id,
      job_id: command.job_id,
      command_id: command.command_id,
      usage: { prompt_tokens: completion.usage.prompt_tokens, completion_tokens: completion.usage.completion_tokens },
      price_wei: command.price_wei,
      request_sha256: envelopeSha256(command.encrypted_request),
      response_sha256: envelopeSha256(sealed.envelope),
      issued_at: new Date().toISOString(),
    };
    const text = receiptText(receipt);
    try {
      await this.#api.postResult(command.command_id, {
        lease_id: leaseId,
        encrypted_response: sealed.envelope,
        receipt: text,
        receipt_signature_ed25519: signReceipt(this.#keys.identitySecretKey, text),
      });
      return 'completed';
    } catch (error) {
      if (error instanceof B3iqApiError && error.code === 'job_closed') return 'closed';
      if (error instanceof B3iqApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        // The answer was refused: fail the job so the customer's reservation is released now.
        const failed = await this.#fail(task, 'result_rejected', `the control plane refused the result: ${error.code}`);
        return `rejected:${error.code},${failed}`;
      }
      throw error;
    }
  }

  /** The work was cut short: give the command back on shutdown; otherwise nothing is left to do. */
  async #cutShort(task: Task): Promise<string> {
    const reason = task.controller.signal.reason as AbortReason;
    if (reason === 'shutdown') return this.#release(task.leased);
    if (reason === 'job_closed') return `closed:${task.closedStatus ?? 'unknown'}`;
    return 'lease_expired';
  }

  async #fail(task: Task, code: string, message: string): Promise<string> {
    const { command, lease_id: leaseId } = task.leased;
    try {
      await this.#api.postFailure(command.command_id, { lease_id: leaseId, code, message: message.slice(0, 500) });
      return `failed:${code}`;
    } catch (error) {
      if (error instanceof B3iqApiError && error.code === 'job_closed') return 'closed';
      throw error;
    }
  }
}

export type { NodeAgentOptions };
export { NodeAgent, parseRequest };
