/**
 * The agent end to end against a fake node API on 127.0.0.1 that checks signatures, nonces,
 * response envelopes and receipts as the control plane does. The test plays the client: it seals
 * each request with `sealEnvelope` and opens the posted answer with the request's ephemeral secret.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InferenceRequest } from '@b3iq/protocol';
import { B3iqApiError, decodeBase64url, openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeAgent, type NodeAgentOptions } from '../../../packages/node-agent/src/agent.js';
import { echoBackend, type InferenceBackend, InferenceBackendError } from '../../../packages/node-agent/src/backends.js';
import { addTransportKey, createKeyFile, type NodeKeys } from '../../../packages/node-agent/src/key-file.js';
import { eventually, FakeNodeApi } from './fake-node-api.js';

const MODEL = 'llama-3.1-8b-instruct';
const PRICE = '1250000000000000';

let directory: string;
let keys: NodeKeys;
let api: FakeNodeApi;
let agent: NodeAgent | undefined;
let logs: string[];

beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'b3iq-node-agent-'));
  keys = await createKeyFile(path.join(directory, 'keys.json'), { nodeId: 'node-alpha', keyId: 'tk-1' });
  api = await new FakeNodeApi(keys.nodeId, keys.identityPublicKey).start();
  logs = [];
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await api.close();
  await rm(directory, { recursive: true, force: true });
});

let sequence = 0;

/** Seals `request` as a client would and queues it; returns what the client keeps. */
function submit(
  request: InferenceRequest | string,
  options: { keyId?: string; publicKey?: string; modelId?: string; sealedModelId?: string } = {},
) {
  sequence += 1;
  const key = keys.transportKeys.find((candidate) => candidate.keyId === (options.keyId ?? 'tk-1'));
  const keyId = options.keyId ?? 'tk-1';
  const modelId = options.modelId ?? MODEL;
  const plaintext = new TextEncoder().encode(typeof request === 'string' ? request : JSON.stringify(request));
  const sealed = sealEnvelope(
    'request',
    decodeBase64url(options.publicKey ?? key!.publicKey)!,
    { key_id: keyId, node_id: keys.nodeId, model_id: options.sealedModelId ?? modelId },
    plaintext,
  );
  const command = {
    type: 'private_inference' as const,
    command_id: `cmd-${sequence}`,
    job_id: `job-${sequence}`,
    node_id: keys.nodeId,
    model_id: modelId,
    encrypted_request: sealed.envelope,
    created_at: new Date().toISOString(),
    price_wei: PRICE,
  };
  api.enqueue(command);
  return { command, ephemeralSecretKey: sealed.ephemeralSecretKey };
}

function start(options: Partial<NodeAgentOptions> = {}): { agent: NodeAgent; running: Promise<void> } {
  agent = new NodeAgent({
    apiUrl: api.url,
    keys,
    backend: echoBackend,
    waitSeconds: 1,
    graceMs: 2_000,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    log: (line) => logs.push(line),
    ...options,
  });
  return { agent, running: agent.run() };
}

/** A backend that waits until `finish()` (or forever), recording that it started. */
function heldBackend(options: { ignoreSignal?: boolean } = {}) {
  const started: string[] = [];
  let finish: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (finish = resolve));
  const backend: InferenceBackend = {
    async complete(request, modelId, signal) {
      started.push(modelId);
      await new Promise<void>((resolve, reject) => {
        void released.then(resolve);
        if (!options.ignoreSignal) signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
      return echoBackend.complete(request, modelId, signal);
    },
  };
  return { backend, started, finish: () => finish() };
}

describe('NodeAgent', () => {
  it('answers a sealed request: the client opens the prompt back, and the receipt verifies', async () => {
    // Prepare
    const prompt = 'Beauty is truth, truth beauty — ünïcødé 🚀';
    const { command, ephemeralSecretKey } = submit({
      messages: [
        { role: 'system', content: 'Echo.' },
        { role: 'user', content: prompt },
      ],
    });
    let polling = 0;

    // Act
    const { running } = start({ onPolling: () => (polling += 1) });
    await eventually(() => api.results.length === 1);
    await agent!.stop();
    await running;

    // Assess
    const [result] = api.results;
    const answer = JSON.parse(
      new TextDecoder().decode(
        openEnvelope('response', ephemeralSecretKey, result!.encrypted_response, {
          key_id: 'tk-1',
          node_id: keys.nodeId,
          model_id: MODEL,
          job_id: command.job_id,
        }),
      ),
    );
    expect(answer).toEqual({ message: { role: 'assistant', content: prompt }, usage: { prompt_tokens: 9, completion_tokens: 8 } });
    expect(result!.receipt).toMatchObject({
      command_id: command.command_id,
      price_wei: PRICE,
      usage: { prompt_tokens: 9, completion_tokens: 8 },
    });
    expect(result!.lease_id).toBe('lease-cmd-1-1');
    expect(api.problems).toEqual([]);
    expect(api.failures).toEqual([]);
    expect(polling).toBe(1);
    expect(api.pulls[0]).toEqual({ max_commands: 2, wait_seconds: 1, lease_seconds: 120 });
    expect(logs.find((line) => line.includes('command=cmd-1'))).toMatch(/outcome=completed ms=\d+/);
    expect(logs.join('\n')).not.toMatch(/Beauty|ünïcødé/);
  });

  it('opens a request sealed to an older transport key after rotation', async () => {
    // Prepare
    keys = await addTransportKey(path.join(directory, 'keys.json'), 'tk-2');
    const old = submit({ messages: [{ role: 'user', content: 'to the old key' }] }, { keyId: 'tk-1' });
    const current = submit({ messages: [{ role: 'user', content: 'to the new key' }] }, { keyId: 'tk-2' });

    // Act
    start();
    await eventually(() => api.results.length === 2);

    // Assess
    const opened = api.results.map((result) => {
      const sent = [old, current].find((submitted) => submitted.command.command_id === result.command_id)!;
      const plaintext = openEnvelope('response', sent.ephemeralSecretKey, result.encrypted_response, {
        key_id: sent.command.encrypted_request.key_id,
        node_id: keys.nodeId,
        model_id: MODEL,
        job_id: sent.command.job_id,
      });
      return [result.command_id, JSON.parse(new TextDecoder().decode(plaintext)).message.content];
    });
    expect(Object.fromEntries(opened)).toEqual({
      [old.command.command_id]: 'to the old key',
      [current.command.command_id]: 'to the new key',
    });
    expect(api.problems).toEqual([]);
  });

  it.each([
    {
      case: 'a backend error',
      error: new InferenceBackendError('the inference backend answered HTTP 500'),
      message: 'the inference backend answered HTTP 500',
    },
    {
      case: 'any other error, whose message may quote the prompt',
      error: new Error('cannot answer SECRET-PROMPT'),
      message: 'the inference backend failed',
    },
  ])('posts inference_failed on $case, never quoting the prompt', async ({ error, message }) => {
    // Prepare
    submit({ messages: [{ role: 'user', content: 'SECRET-PROMPT' }] });
    const failing: InferenceBackend = { complete: async () => Promise.reject(error) };

    // Act
    start({ backend: failing });
    await eventually(() => api.failures.length === 1);

    // Assess
    expect(api.failures).toEqual([
      { command_id: `cmd-${sequence}`, lease_id: `lease-cmd-${sequence}-1`, code: 'inference_failed', message },
    ]);
    expect(api.results).toEqual([]);
    expect(api.problems).toEqual([]);
    await eventually(() => logs.some((line) => line.includes('outcome=failed:inference_failed')));
    expect(logs.join('\n')).not.toContain('SECRET-PROMPT');
  });

  it.each([
    { case: 'a key id the node does not hold', seal: { keyId: 'tk-gone', publicKey: 'QxDul9iMwfCIpVdsd6sM9cOseX89lROcbIS1QpxZZio' } },
    { case: 'a request sealed for another model', seal: { sealedModelId: 'other-model' } },
    { case: 'a plaintext that is not a request', seal: {}, plaintext: '{"prompt":"hi"}' },
    { case: 'a plaintext that is not JSON', seal: {}, plaintext: 'hello' },
  ])('posts request_unreadable for $case', async ({ seal, plaintext }) => {
    // Prepare
    submit(plaintext ?? { messages: [{ role: 'user', content: 'hi' }] }, seal);
    let called = false;
    const backend: InferenceBackend = {
      complete: async (...args) => {
        called = true;
        return echoBackend.complete(...args);
      },
    };

    // Act
    start({ backend });
    await eventually(() => api.failures.length === 1);

    // Assess
    expect(api.failures[0]).toMatchObject({ code: 'request_unreadable' });
    expect(called).toBe(false);
    expect(api.problems).toEqual([]);
  });

  it('extends the lease while working and stops when the job is no longer open', async () => {
    // Prepare
    const { command } = submit({ messages: [{ role: 'user', content: 'slow' }] });
    const held = heldBackend();

    // Act
    start({ backend: held.backend, extendEveryMs: 30, leaseSeconds: 60 });
    await eventually(() => api.leases.length >= 2);
    api.jobs.get(command.command_id)!.status = 'cancelled';
    await eventually(() => logs.some((line) => line.includes('outcome=closed:cancelled')));

    // Assess
    expect(api.leases[0]).toEqual({ command_id: command.command_id, lease_id: `lease-cmd-${sequence}-1`, lease_seconds: 60 });
    expect(api.results).toEqual([]);
    expect(api.failures).toEqual([]);
    expect(agent!.inFlight).toBe(0);
  });

  it('lets work in flight finish within the grace period on stop, and pulls no more', async () => {
    // Prepare
    submit({ messages: [{ role: 'user', content: 'finish me' }] });
    const held = heldBackend();
    // A long poll that outlasts the test: the only pull in flight at stop is the one stop aborts.
    const { running } = start({ backend: held.backend, graceMs: 5_000, waitSeconds: 20 });
    // With a free slot (concurrency 2) the agent is back in its long poll before we stop it.
    await eventually(() => held.started.length === 1 && api.pulls.length === 2);
    const pullsBefore = api.pulls.length;

    // Act
    const stopped = agent!.stop();
    setTimeout(held.finish, 50);
    await stopped;
    await running;

    // Assess
    expect(api.results).toHaveLength(1);
    expect(api.leases.filter((lease) => lease.lease_seconds === 0)).toEqual([]);
    expect(api.pulls.length).toBe(pullsBefore);
  });

  it('gives leases back (lease_seconds 0) for work still running after the grace period', async () => {
    // Prepare: a backend that ignores its abort signal, as a stuck one would.
    const first = submit({ messages: [{ role: 'user', content: 'stuck one' }] });
    const second = submit({ messages: [{ role: 'user', content: 'stuck two' }] });
    const held = heldBackend({ ignoreSignal: true });
    const { running } = start({ backend: held.backend, graceMs: 100 });
    await eventually(() => held.started.length === 2);

    // Act
    await agent!.stop();
    await running;

    // Assess
    expect(
      api.leases
        .filter((lease) => lease.lease_seconds === 0)
        .map((lease) => lease.command_id)
        .sort(),
    ).toEqual([first.command.command_id, second.command.command_id].sort());
    expect(api.results).toEqual([]);
    expect(api.failures).toEqual([]);
    expect(api.queue.sort()).toEqual([first.command.command_id, second.command.command_id].sort());
    expect(logs.filter((line) => line.includes('outcome=released'))).toHaveLength(2);
    expect(api.problems).toEqual([]);
    held.finish();
  });

  it('never takes more commands than it has free slots', async () => {
    // Prepare
    for (let index = 0; index < 3; index++) submit({ messages: [{ role: 'user', content: `job ${index}` }] });
    const held = heldBackend();

    // Act
    start({ backend: held.backend, concurrency: 2 });
    await eventually(() => held.started.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Assess
    expect(held.started).toHaveLength(2);
    expect(api.queue).toHaveLength(1);
    held.finish();
    await eventually(() => api.results.length === 3);
    expect(api.problems).toEqual([]);
  });

  it('retries a pull that failed with a 5xx, signing every attempt afresh', async () => {
    // Prepare
    api.scriptedStatuses.push(503, 502);
    submit({ messages: [{ role: 'user', content: 'after the outage' }] });

    // Act
    start();
    await eventually(() => api.results.length === 1);

    // Assess: a reused nonce or a bad signature would be listed as a problem.
    expect(api.problems).toEqual([]);
  });

  it('stops with the problem when the control plane refuses the node', async () => {
    // Prepare
    api.identityPublicKey = keys.transportKeys[0]!.publicKey; // not this node's identity key

    // Act
    const { running } = start();

    // Assess
    await expect(running).rejects.toBeInstanceOf(B3iqApiError);
    await expect(running).rejects.toMatchObject({ code: 'invalid_signature' });
  });
});
