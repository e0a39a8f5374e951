/** The customer SDK against the deployed API: seal, submit, wait, open; trust and retries. */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeBase64url } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  B3iqApiError,
  B3iqClient,
  B3iqJobIdInUseError,
  B3iqKeyTrustError,
  B3iqTimeoutError,
  FileKeyStore,
  MemoryTrustStore,
} from 'b3iq-private-inference/sdk';
import { describe, expect, inject, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { answerJob } from './support/node-calls.js';
import {
  account,
  ledger,
  newCustomer,
  newNode,
  newTransportKey,
  signedTransportKey,
  store,
  storedJob,
  type TestCustomer,
  type TestNode,
  uniqueId,
} from './support/world.js';

const { apiUrl } = inject('localStack');

function clientFor(customer: TestCustomer, options: { keyDir?: string; fetch?: typeof fetch; pinnedDirectoryKey?: string } = {}) {
  return new B3iqClient({
    apiUrl,
    customerId: customer.customerId,
    customerToken: customer.token,
    keyStore: new FileKeyStore(options.keyDir ?? mkdtempSync(path.join(tmpdir(), 'b3iq-keys-'))),
    // Pins in memory: each client meets this run's stack afresh, and nothing is written under $HOME.
    trustStore: new MemoryTrustStore(),
    retry: { baseDelayMs: 10 },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.pinnedDirectoryKey ? { pinnedDirectoryKey: options.pinnedDirectoryKey } : {}),
  });
}

/** Calls the real API, letting a test act just before a POST reaches it or fail it on the way. */
function interceptingFetch(onPost: (attempt: number, forward: () => Promise<Response>) => Promise<Response>): typeof fetch {
  let posts = 0;
  return async (input, init) => {
    if (init?.method !== 'POST') return fetch(input, init);
    posts++;
    return onPost(posts, () => fetch(input, init));
  };
}

const rotate = (node: TestNode, publicKey: Uint8Array, keyId: string) =>
  callApi('PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: node.nodeId },
    headers: adminHeaders(),
    json: {
      status: 'active',
      models: [{ model_id: node.modelId, price_wei: node.priceWei.toString() }],
      transport_keys: [signedTransportKey(node, { key_id: keyId, public_key_x25519: encodeBase64url(publicKey) })],
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
    },
  });

describe('B3iqClient', () => {
  it('seals a prompt to the node, keeps its key until the answer is opened, then forgets it', async () => {
    // Prepare
    const customer = await newCustomer();
    const node = await newNode();
    const keyDir = mkdtempSync(path.join(tmpdir(), 'b3iq-keys-'));
    const client = clientFor(customer, { keyDir });

    // Act: submit, then the node answers, then wait and open.
    const accepted = await client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'Beauty is truth?' });
    const keyFile = path.join(keyDir, customer.customerId, `${accepted.job_id}.json`);
    const keyMode = statSync(keyFile).mode & 0o777;
    const queued = await client.getJob(accepted.job_id);
    let prompt = '';
    await answerJob(node, accepted.job_id, (text) => {
      prompt = text;
      return `echo: ${text}`;
    });
    const done = await client.waitForJob(accepted.job_id, { intervalMs: 20 });
    const answer = await client.openAnswer(done);

    // Assess
    expect(accepted).toMatchObject({ status: 'queued', node_id: node.nodeId, job_id: expect.stringMatching(/^job-/) });
    expect(queued.status).toBe('queued');
    expect(keyMode).toBe(0o600);
    expect(prompt).toBe('Beauty is truth?');
    expect(answer).toEqual({ message: { role: 'assistant', content: 'echo: Beauty is truth?' }, usage: expect.any(Object) });
    expect(readdirSync(path.dirname(keyFile))).toEqual([]);
    await expect(client.openAnswer(done)).rejects.toThrow(/no request key/);
  });

  it('reads the node again and reseals once when its key was rotated in between', async () => {
    // Prepare: the node rotates its key after the client read it, before the POST lands.
    const customer = await newCustomer();
    const node = await newNode();
    const next = newTransportKey();
    const client = clientFor(customer, {
      fetch: interceptingFetch(async (attempt, forward) => {
        if (attempt === 1) await rotate(node, next.publicKey, 'tk-rotated');
        return forward();
      }),
    });

    // Act
    const accepted = await client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' });

    // Assess: the accepted job is sealed to the new key, and it opens with the new node secret.
    const job = await storedJob(customer.customerId, accepted.job_id);
    expect(job?.request_key_id).toBe('tk-rotated');
    await answerJob({ ...node, keyId: 'tk-rotated', ...next }, accepted.job_id, () => 'ok');
    expect(await client.openAnswer(await client.getJob(accepted.job_id))).toMatchObject({ message: { content: 'ok' } });
  });

  it('retries a submission after a 5xx and after a lost answer, reserving once', async () => {
    // Prepare: the first POST gets a 503 without reaching the API; the second reaches it but its answer is lost.
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 100n });
    const client = clientFor(customer, {
      fetch: interceptingFetch(async (attempt, forward) => {
        if (attempt === 1) return new Response('{}', { status: 503 });
        if (attempt === 2) {
          await forward();
          throw new TypeError('fetch failed: socket hang up');
        }
        return forward();
      }),
    });

    // Act
    const accepted = await client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' });

    // Assess
    expect(accepted.status).toBe('queued');
    expect(await account(customer.customerId)).toMatchObject({ reserved_wei: 100n });
    expect((await ledger(customer.customerId)).filter((entry) => entry.kind === 'reserve')).toHaveLength(1);
  });

  it('refuses to use a key whose signed record does not verify, and sends nothing', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const stored = (await store.getNode(node.nodeId))!;
    const [key] = stored.node.transport_keys;
    const swapped = encodeBase64url(newTransportKey().publicKey);
    await store.putNode(
      { ...stored, node: { ...stored.node, transport_keys: [{ ...key!, public_key_x25519: swapped }] } },
      stored.revision,
    );

    await expect(clientFor(customer).submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' })).rejects.toThrow(
      B3iqKeyTrustError,
    );
    expect((await ledger(customer.customerId)).filter((entry) => entry.kind === 'reserve')).toHaveLength(0);
  });

  it('does not seal to a key whose signed window has ended, even from a stale copy of the node', async () => {
    // Prepare: the node's only key is valid for one more second; a copy of the node view taken now is served later.
    const customer = await newCustomer();
    const node = await newNode();
    const validUntil = new Date(Date.now() + 1_000).toISOString();
    const enrolled = await callApi('PUT', '/v1/admin/nodes/{node_id}', {
      params: { node_id: node.nodeId },
      headers: adminHeaders(),
      json: {
        status: 'active',
        models: [{ model_id: node.modelId, price_wei: node.priceWei.toString() }],
        transport_keys: [
          signedTransportKey(node, { key_id: node.keyId, public_key_x25519: encodeBase64url(node.publicKey), valid_until: validUntil }),
        ],
        identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
      },
    });
    const staleView = JSON.stringify(enrolled.body);
    const servesStaleNode: typeof fetch = async (input, init) =>
      String(input).includes('/v1/private-inference/nodes/')
        ? new Response(staleView, { headers: { 'content-type': 'application/json' } })
        : fetch(input, init);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(validUntil) - Date.now() + 50));

    // Act / Assess
    await expect(
      clientFor(customer, { fetch: servesStaleNode }).submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' }),
    ).rejects.toThrow(B3iqKeyTrustError);
    expect((await ledger(customer.customerId)).filter((entry) => entry.kind === 'reserve')).toHaveLength(0);
  });

  it('refuses a key directory other than the pinned one', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const client = clientFor(customer, { pinnedDirectoryKey: encodeBase64url(new Uint8Array(91)) });

    await expect(client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' })).rejects.toThrow(B3iqKeyTrustError);
  });

  it('throws the API’s problem on a refusal and leaves no key behind', async () => {
    const customer = await newCustomer(1n);
    const node = await newNode();
    const keyDir = mkdtempSync(path.join(tmpdir(), 'b3iq-keys-'));

    const refused = clientFor(customer, { keyDir }).submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' });

    await expect(refused).rejects.toMatchObject({ name: 'B3iqApiError', status: 402, code: 'insufficient_balance' });
    await expect(refused).rejects.toBeInstanceOf(B3iqApiError);
    expect(readdirSync(path.join(keyDir, customer.customerId))).toEqual([]);
  });

  it('will not reuse a job id whose request key still waits for an answer', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const client = clientFor(customer);
    const jobId = uniqueId('job');
    await client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'first', jobId });
    const keyBefore = await client.keyStore.load(customer.customerId, jobId);

    await expect(client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'second', jobId })).rejects.toThrow(
      B3iqJobIdInUseError,
    );
    expect(await client.keyStore.load(customer.customerId, jobId)).toEqual(keyBefore);
  });

  it('stops waiting at the timeout while the job is still queued', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const client = clientFor(customer);
    const { job_id } = await client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' });

    await expect(client.waitForJob(job_id, { timeoutMs: 150, intervalMs: 20 })).rejects.toThrow(B3iqTimeoutError);
  });

  it('never writes the token or the request secret anywhere but the key file', async () => {
    const customer = await newCustomer();
    const node = await newNode();
    const keyDir = mkdtempSync(path.join(tmpdir(), 'b3iq-keys-'));
    const { job_id } = await clientFor(customer, { keyDir }).submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'hi' });

    const keyFile = readFileSync(path.join(keyDir, customer.customerId, `${job_id}.json`), 'utf8');

    expect(keyFile).not.toContain(customer.token);
    expect(JSON.parse(keyFile)).toMatchObject({
      job_id,
      node_id: node.nodeId,
      key_id: node.keyId,
      ephemeral_secret_key: expect.any(String),
    });
  });
});
