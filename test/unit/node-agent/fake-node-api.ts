/**
 * A fake node API on 127.0.0.1 for the agent's tests: the four node routes behind a stage prefix,
 * each request's `b3iq-node-signature-v1` checked with `nodeSignatureProblem` over the route path
 * (stage stripped) and each nonce accepted once, results checked with `checkEnvelope` and
 * `acceptReceipt` as the control plane does. It records every call for the tests to assess.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEnvelope, type Envelope, envelopeSha256, NODE_HEADERS, nodeSignatureProblem, type Receipt } from '@b3iq/protocol';
import { acceptReceipt } from '../../../lambdas/domain/receipt.js';

const STAGE = '/_aws/execute-api/abc123/dev';

interface FakeCommand {
  type: 'private_inference';
  command_id: string;
  job_id: string;
  node_id: string;
  model_id: string;
  encrypted_request: Envelope;
  created_at: string;
  price_wei: string;
}

interface FakeJob {
  command: FakeCommand;
  status: 'queued' | 'claimed' | 'completed' | 'failed' | 'cancelled';
  leaseId?: string;
  deliveries: number;
}

interface PostedResult {
  command_id: string;
  lease_id: string;
  encrypted_response: Envelope;
  receipt: Receipt;
}

type Fields = Record<string, unknown>;

class FakeNodeApi {
  readonly nodeId: string;
  identityPublicKey: string;
  readonly jobs = new Map<string, FakeJob>();
  readonly queue: string[] = [];
  readonly pulls: Fields[] = [];
  readonly leases: { command_id: string; lease_id: string; lease_seconds: number }[] = [];
  readonly results: PostedResult[] = [];
  readonly failures: { command_id: string; lease_id: string; code: string; message?: string }[] = [];
  /** Requests refused for a reason the agent should never cause (bad signature, bad receipt...). */
  readonly problems: string[] = [];
  /** Status codes to answer the next requests with before handling them (e.g. 503 to test retries). */
  readonly scriptedStatuses: number[] = [];
  readonly #nonces = new Set<string>();
  readonly #server: Server;
  #waiters: (() => void)[] = [];
  url = '';

  constructor(nodeId: string, identityPublicKey: string) {
    this.nodeId = nodeId;
    this.identityPublicKey = identityPublicKey;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response).catch((error: unknown) => {
        this.problems.push(`fake crashed: ${(error as Error).message}`);
        if (!response.headersSent)
          this.#answer(response, 500, { error: { status: 500, title: 'Internal error', detail: 'fake crashed', code: 'internal_error' } });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${STAGE}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  enqueue(command: FakeCommand): void {
    this.jobs.set(command.command_id, { command, status: 'queued', deliveries: 0 });
    this.queue.push(command.command_id);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #answer(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  #problem(response: ServerResponse, status: number, code: string, detail: string): void {
    this.#answer(response, status, { error: { status, title: code, detail, code } });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const scripted = this.scriptedStatuses.shift();
    if (scripted !== undefined) return this.#problem(response, scripted, 'scripted', 'scripted answer');

    const url = request.url ?? '';
    if (!url.startsWith(`${STAGE}/`)) return this.#problem(response, 404, 'not_found', 'outside the stage');
    const path = url.slice(STAGE.length);
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const parts = {
      method: request.method ?? '',
      path,
      timestamp: header(NODE_HEADERS.timestamp) ?? '',
      nonce: header(NODE_HEADERS.nonce) ?? '',
      body,
    };
    const signatureProblem =
      header(NODE_HEADERS.nodeId) !== this.nodeId
        ? 'wrong node id header'
        : nodeSignatureProblem(this.identityPublicKey, parts, header(NODE_HEADERS.signature), Date.now());
    if (signatureProblem !== undefined) {
      this.problems.push(`signature: ${signatureProblem}`);
      return this.#problem(response, 401, 'invalid_signature', signatureProblem);
    }
    if (this.#nonces.has(parts.nonce)) {
      this.problems.push('nonce reused');
      return this.#problem(response, 401, 'invalid_signature', 'nonce reused');
    }
    this.#nonces.add(parts.nonce);

    const match = /^\/v1\/nodes\/([^/]+)\/commands\/(?:pull|([^/]+)\/(lease|result|failure))$/.exec(path);
    if (request.method !== 'POST' || match === null || match[1] !== this.nodeId)
      return this.#problem(response, 404, 'not_found', 'no such route');
    const fields = JSON.parse(body) as Fields;
    if (match[2] === undefined) return this.#pull(request, response, fields);
    const job = this.jobs.get(match[2]);
    if (job === undefined) return this.#problem(response, 404, 'command_not_found', 'no such command for this node');
    const view = () => ({ job_id: job.command.job_id, command_id: job.command.command_id, status: job.status, receipt_hash: null });
    const open = job.status === 'queued' || job.status === 'claimed';
    switch (match[3]) {
      case 'lease': {
        this.leases.push({
          command_id: job.command.command_id,
          lease_id: fields.lease_id as string,
          lease_seconds: fields.lease_seconds as number,
        });
        if (!open) return this.#answer(response, 200, view());
        if (fields.lease_id !== job.leaseId) return this.#problem(response, 409, 'lease_expired', 'the lease ended');
        if (fields.lease_seconds === 0) {
          job.leaseId = undefined;
          job.status = 'queued';
          this.queue.push(job.command.command_id);
        }
        return this.#answer(response, 200, {
          ...view(),
          lease_expires_at: new Date(Date.now() + (fields.lease_seconds as number) * 1000).toISOString(),
        });
      }
      case 'result': {
        if (!open) return this.#problem(response, 409, 'job_closed', `the job is ${job.status}`);
        const check = checkEnvelope(fields.encrypted_response, 'response', {
          node_id: job.command.node_id,
          model_id: job.command.model_id,
          job_id: job.command.job_id,
        });
        if (!check.ok) {
          this.problems.push(`response envelope: ${check.reason}`);
          return this.#problem(response, 400, 'invalid_encrypted_request', check.reason);
        }
        let receipt: Receipt;
        try {
          receipt = acceptReceipt(fields.receipt, fields.receipt_signature_ed25519, this.identityPublicKey, {
            node_id: job.command.node_id,
            model_id: job.command.model_id,
            job_id: job.command.job_id,
            command_id: job.command.command_id,
            price_wei: job.command.price_wei,
            request_sha256: envelopeSha256(job.command.encrypted_request),
            response_sha256: envelopeSha256(check.envelope),
          });
        } catch (error) {
          this.problems.push(`receipt: ${(error as Error).message}`);
          return this.#problem(response, 400, 'invalid_receipt', (error as Error).message);
        }
        job.status = 'completed';
        this.results.push({
          command_id: job.command.command_id,
          lease_id: fields.lease_id as string,
          encrypted_response: check.envelope,
          receipt,
        });
        return this.#answer(response, 200, view());
      }
      default: {
        if (!open) return this.#problem(response, 409, 'job_closed', `the job is ${job.status}`);
        job.status = 'failed';
        this.failures.push({
          command_id: job.command.command_id,
          lease_id: fields.lease_id as string,
          code: fields.code as string,
          ...(fields.message === undefined ? {} : { message: fields.message as string }),
        });
        return this.#answer(response, 200, view());
      }
    }
  }

  async #pull(request: IncomingMessage, response: ServerResponse, fields: Fields): Promise<void> {
    this.pulls.push(fields);
    const deadline = Date.now() + ((fields.wait_seconds as number | undefined) ?? 20) * 1000;
    let gone = false;
    response.on('close', () => (gone = true));
    while (this.queue.length === 0 && Date.now() < deadline && !gone) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        request.socket.once('close', resolve);
      });
    }
    if (gone) return;
    const commands = this.queue.splice(0, (fields.max_commands as number | undefined) ?? 1).map((commandId) => {
      const job = this.jobs.get(commandId)!;
      job.status = 'claimed';
      job.deliveries += 1;
      job.leaseId = `lease-${commandId}-${job.deliveries}`;
      return {
        command: job.command,
        lease_id: job.leaseId,
        lease_expires_at: new Date(Date.now() + 120_000).toISOString(),
        delivery: job.deliveries,
      };
    });
    this.#answer(response, 200, { commands });
  }
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export type { FakeCommand, PostedResult };
export { eventually, FakeNodeApi, STAGE };
