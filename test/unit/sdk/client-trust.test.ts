/**
 * B3iqClient's trust rules against a scripted API (plain HTTP answers, no AWS): pins on first use,
 * refusals before any POST, and answers opened only under the node's receipt.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  decodeBase64url,
  type Envelope,
  encodeBase64url,
  envelopeSha256,
  type JobView,
  type NodeView,
  openEnvelope,
  type ReceiptView,
  receiptHash,
  receiptText,
  sealEnvelope,
  signReceipt,
} from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { B3iqClient } from '../../../packages/sdk/src/client.js';
import { B3iqKeyChangedError, B3iqKeyTrustError, B3iqReceiptError } from '../../../packages/sdk/src/errors.js';
import { MemoryKeyStore } from '../../../packages/sdk/src/key-store.js';
import { MemoryTrustStore } from '../../../packages/sdk/src/trust-store.js';
import { identity, nodeView, publishedKey, type TestIdentity } from '../support/signed-node.js';

const API = 'https://api.example/prod';
const NODE_ID = 'node-a';
const MODEL_ID = 'm-1';

interface Directory {
  privateKey: KeyObject;
  spki: string;
}

function newDirectory(): Directory {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, spki: encodeBase64url(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))) };
}

/** What the API serves; a test changes it as a hostile control plane would. */
class ScriptedApi {
  directory = newDirectory();
  node: TestIdentity = identity();
  transportSecret = x25519.utils.randomSecretKey();
  nodeView: NodeView = this.signedNode();
  jobs = new Map<string, JobView>();
  receipts = new Map<string, ReceiptView>();
  posts: unknown[] = [];

  /** The node view as the directory and the node sign it (by default the API's own directory and node). */
  signedNode(directory = this.directory, node = this.node, nodeId = NODE_ID): NodeView {
    const publicKey = encodeBase64url(x25519.getPublicKey(this.transportSecret));
    return nodeView(nodeId, node, [publishedKey(directory.privateKey, nodeId, node, 'tk-1', { publicKey })]);
  }

  fetch: typeof fetch = async (input, init) => {
    const path = String(input).slice(API.length);
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
    if (path === '/v1/private-inference/key-directory') return json({ algorithm: 'ECDSA_SHA_256', public_key_spki: this.directory.spki });
    if (path.startsWith('/v1/private-inference/nodes/')) return json(this.nodeView);
    if (path === '/v1/private-inference/jobs' && init?.method === 'POST') {
      const body = JSON.parse(String(init.body));
      this.posts.push(body);
      this.jobs.set(body.job_id, { ...JOB, job_id: body.job_id, encrypted_request: body.encrypted_request });
      return json(
        { status: 'queued', job_id: body.job_id, node_id: NODE_ID, command_id: 'cmd-1', billing: JOB.billing, created_at: JOB.created_at },
        202,
      );
    }
    if (path.startsWith('/v1/private-inference/jobs/')) return json(this.jobs.get(decodeURIComponent(path.split('/').at(-1) ?? '')));
    if (path.startsWith('/v1/receipts/')) return json(this.receipts.get(path.split('/').at(-1) ?? ''));
    return json({ error: { code: 'not_found' } }, 404);
  };

  /** The node answers the job: seals `reply` to the request's ephemeral key and signs a receipt of both envelopes. */
  answer(jobId: string, reply: string, signer = this.node.secretKey): JobView {
    const job = this.jobs.get(jobId) as JobView;
    const request = job.encrypted_request as Envelope;
    const binding = { key_id: request.key_id, node_id: NODE_ID, model_id: MODEL_ID };
    openEnvelope('request', this.transportSecret, request, binding);
    const answered = { ...job, status: 'completed' as const, encrypted_response: sealed(request, jobId, reply) };
    const text = receiptText({
      type: 'b3iq-receipt-v1',
      node_id: NODE_ID,
      model_id: MODEL_ID,
      job_id: jobId,
      command_id: 'cmd-1',
      usage: { prompt_tokens: 1, completion_tokens: 1 },
      price_wei: '5',
      request_sha256: envelopeSha256(request),
      response_sha256: envelopeSha256(answered.encrypted_response),
      issued_at: '2026-06-01T00:00:00Z',
    });
    const hash = receiptHash(text);
    this.receipts.set(hash, {
      receipt_hash: hash,
      job_id: jobId,
      node_id: NODE_ID,
      model_id: MODEL_ID,
      status: 'accepted',
      received_at: '2026-06-01T00:00:01Z',
      signature_ed25519: signReceipt(signer, text),
      receipt: JSON.parse(text),
    });
    const view = { ...answered, receipt_hash: hash };
    this.jobs.set(jobId, view);
    return view;
  }
}

/** A response envelope sealed to the request's ephemeral public key: what anyone holding the request can make. */
function sealed(request: Envelope, jobId: string, reply: string): Envelope {
  const answer = { message: { role: 'assistant', content: reply }, usage: { prompt_tokens: 1, completion_tokens: 1 } };
  return sealEnvelope(
    'response',
    decodeBase64url(request.client_public_key_x25519) as Uint8Array,
    { key_id: request.key_id, node_id: NODE_ID, model_id: MODEL_ID, job_id: jobId },
    new TextEncoder().encode(JSON.stringify(answer)),
  ).envelope as Envelope;
}

const JOB: JobView = {
  job_id: 'job-1',
  node_id: NODE_ID,
  model_id: MODEL_ID,
  status: 'queued',
  encrypted_request: null,
  encrypted_response: null,
  receipt_hash: null,
  billing: {
    customer_id: 'cus-1',
    policy_version: 'flat-v1',
    quoted_price_wei: '5',
    reserved_price_wei: '5',
    payout_price_wei: '4',
    status: 'reserved',
  },
  created_at: '2026-06-01T00:00:00Z',
  claim_deadline: '2026-06-01T00:15:00Z',
  completion_deadline: '2026-06-01T01:00:00Z',
  completed_at: null,
};

function clientOf(api: ScriptedApi, trustStore = new MemoryTrustStore(), pinnedDirectoryKey?: string) {
  return new B3iqClient({
    apiUrl: API,
    customerId: 'cus-1',
    customerToken: 'token',
    keyStore: new MemoryKeyStore(),
    trustStore,
    fetch: api.fetch,
    retry: { attempts: 1 },
    ...(pinnedDirectoryKey === undefined ? {} : { pinnedDirectoryKey }),
  });
}

const submit = (client: B3iqClient, jobId = `job-${Math.random().toString(36).slice(2)}`) =>
  client.submitJob({ nodeId: NODE_ID, modelId: MODEL_ID, prompt: 'hello', jobId });

describe('B3iqClient pins', () => {
  it('pins the directory and the node identity key on first use', async () => {
    // Prepare
    const api = new ScriptedApi();
    const trustStore = new MemoryTrustStore();

    // Act
    await submit(clientOf(api, trustStore));

    // Assess
    expect(await trustStore.list()).toEqual({
      [API]: { directory_key_spki: api.directory.spki, nodes: { [NODE_ID]: api.node.publicKey } },
    });
    expect(api.posts).toHaveLength(1);
  });

  it.each<{ case: string; swap: (api: ScriptedApi) => void; subject: string }>([
    {
      case: 'a swapped directory key that re-signed the node record',
      swap: (api) => {
        api.directory = newDirectory();
        api.nodeView = api.signedNode();
      },
      subject: `the key directory of ${API}`,
    },
    {
      case: 'a swapped identity key whose records the directory re-signed',
      swap: (api) => {
        api.node = identity();
        api.nodeView = api.signedNode();
      },
      subject: `the identity key of node ${NODE_ID}`,
    },
  ])('refuses $case before anything is sealed or sent, naming what changed', async ({ swap, subject }) => {
    // Prepare: one honest job pins both keys.
    const api = new ScriptedApi();
    const trustStore = new MemoryTrustStore();
    await submit(clientOf(api, trustStore));
    swap(api);

    // Act
    const refused = submit(clientOf(api, trustStore));

    // Assess
    await expect(refused).rejects.toBeInstanceOf(B3iqKeyChangedError);
    await expect(refused).rejects.toThrow(subject);
    expect(api.posts).toHaveLength(1);
  });

  it('submits again once the change is accepted explicitly', async () => {
    const api = new ScriptedApi();
    const trustStore = new MemoryTrustStore();
    await submit(clientOf(api, trustStore));
    api.directory = newDirectory();
    api.node = identity();
    api.nodeView = api.signedNode();
    const client = clientOf(api, trustStore);

    const directoryChange = await client.acceptDirectoryKey();
    const nodeChange = await client.acceptNodeIdentityKey(NODE_ID);
    await submit(client);

    expect(directoryChange.previous).not.toBe(directoryChange.current);
    expect(nodeChange.previous).not.toBe(nodeChange.current);
    expect(api.posts).toHaveLength(2);
  });

  it('does not accept an identity key the pinned directory does not vouch for', async () => {
    const api = new ScriptedApi();
    const trustStore = new MemoryTrustStore();
    await submit(clientOf(api, trustStore));
    api.node = identity();
    api.nodeView = api.signedNode(newDirectory());

    await expect(clientOf(api, trustStore).acceptNodeIdentityKey(NODE_ID)).rejects.toThrow(
      /no identity key that the key directory vouches for/,
    );
    expect(await trustStore.nodeIdentityKey(API, NODE_ID)).not.toBe(api.node.publicKey);
  });

  it('takes a pin set ahead, and refuses the API’s directory when it is another', async () => {
    const api = new ScriptedApi();
    const trustStore = new MemoryTrustStore();
    await clientOf(api, trustStore).pinDirectoryKey(newDirectory().spki);

    await expect(submit(clientOf(api, trustStore))).rejects.toBeInstanceOf(B3iqKeyChangedError);
    expect(api.posts).toEqual([]);
  });

  it('lets the pinnedDirectoryKey option (B3IQ_DIRECTORY_KEY) win over the store', async () => {
    const api = new ScriptedApi();
    const trustStore = new MemoryTrustStore();
    await trustStore.pinDirectoryKey(API, newDirectory().spki);

    await submit(clientOf(api, trustStore, api.directory.spki));
    const refused = submit(clientOf(api, new MemoryTrustStore(), newDirectory().spki));

    await expect(refused).rejects.toThrow(/pinned \(B3IQ_DIRECTORY_KEY\)/);
    expect(api.posts).toHaveLength(1);
  });

  it('refuses a node view of another node than the one asked for', async () => {
    const api = new ScriptedApi();
    api.nodeView = api.signedNode(api.directory, api.node, 'node-b');

    await expect(submit(clientOf(api))).rejects.toThrow(/asked for node node-a, the API answered with node node-b/);
    expect(api.posts).toEqual([]);
  });

  it('uses none of the keys of a node without an identity key', async () => {
    const api = new ScriptedApi();
    api.nodeView = { ...api.nodeView, identity_public_key_ed25519: null };

    await expect(submit(clientOf(api))).rejects.toThrow(B3iqKeyTrustError);
    expect(api.posts).toEqual([]);
  });

  it('reports a malformed signed record as a trust error, not a crash', async () => {
    const api = new ScriptedApi();
    api.nodeView = { ...api.nodeView, transport_keys: [{ ...api.nodeView.transport_keys[0]!, signed_record: '{not json' }] };

    await expect(submit(clientOf(api))).rejects.toThrow(/signed record is malformed/);
    expect(api.posts).toEqual([]);
  });
});

describe('B3iqClient answers', () => {
  it('opens an answer whose receipt the node signed for this request and response', async () => {
    const api = new ScriptedApi();
    const client = clientOf(api);
    const { job_id } = await submit(client);

    const answer = await client.openAnswer(api.answer(job_id, 'from the node'));

    expect(answer).toMatchObject({ message: { content: 'from the node' } });
  });

  it.each<{ case: string; forge: (api: ScriptedApi, job: JobView) => JobView }>([
    {
      case: 'a response sealed by someone else under the node’s receipt',
      forge: (_, job) => ({ ...job, encrypted_response: sealed(job.encrypted_request as Envelope, job.job_id, 'forged') }),
    },
    { case: 'no receipt', forge: (_, job) => ({ ...job, receipt_hash: null }) },
    {
      case: 'a receipt signed by another key',
      forge: (api, job) => api.answer(job.job_id, 'forged', identity().secretKey),
    },
    {
      case: 'another node named by the job view',
      forge: (_, job) => ({ ...job, node_id: 'node-b' }),
    },
  ])('refuses to open an answer with $case, and keeps the request key', async ({ forge }) => {
    // Prepare
    const api = new ScriptedApi();
    const client = clientOf(api);
    const { job_id } = await submit(client);
    const job = forge(api, api.answer(job_id, 'from the node'));

    // Act & Assess
    await expect(client.openAnswer(job)).rejects.toBeInstanceOf(B3iqReceiptError);
    expect(await client.keyStore.load('cus-1', job_id)).toBeDefined();
  });

  it('verifies any receipt by hash against the node’s pinned identity key', async () => {
    const api = new ScriptedApi();
    const client = clientOf(api);
    const { job_id } = await submit(client);
    const job = api.answer(job_id, 'x');
    const other = new ScriptedApi();

    const receipt = await client.verifyReceipt(job.receipt_hash as string);
    api.node = other.node;
    const forged = api.answer(job_id, 'x', other.node.secretKey);

    expect(receipt).toMatchObject({ job_id, node_id: NODE_ID, request_sha256: envelopeSha256(job.encrypted_request as Envelope) });
    await expect(client.verifyReceipt(forged.receipt_hash as string)).rejects.toThrow(/signature does not verify/);
  });
});
