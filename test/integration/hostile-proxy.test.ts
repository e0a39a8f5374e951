/**
 * The two attacks of issue 12, end to end: a hostile proxy on 127.0.0.1 between `b3iq` (the binary,
 * as a customer runs it) and the deployed API. After one honest job through it, the proxy
 * (a) serves its own key directory and node records, or its own node identity key, so that the
 * next prompt would be sealed to it; (b) replaces an answer with one it sealed itself to the
 * request's ephemeral key. Both must stop `b3iq` with exit 7 before anything leaks.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeBase64url, type JobView, type NodeView, signNodeKeyStatement, transportKeyRecord } from '@b3iq/protocol';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { b3iq } from './support/b3iq.js';
import { forgedAnswer } from './support/forged-answer.js';
import { answerJob } from './support/node-calls.js';
import { newCustomer, newNode, type TestNode } from './support/world.js';

const { apiUrl } = inject('localStack');
const JOBS_PATH = '/v1/private-inference/jobs';

/** What the proxy does to an answer on its way to the client: `undefined` forwards it unchanged. */
type Rewrite = (route: string, body: unknown) => unknown;

interface Proxy {
  url: string;
  /** Each request the proxy saw, as `METHOD route` (route without the stage path). */
  seen: string[];
  rewrite: Rewrite | undefined;
  close(): void;
}

/** A proxy on 127.0.0.1 with the API's own path, forwarding to the deployed API. */
async function startProxy(): Promise<Proxy> {
  const api = new URL(apiUrl);
  const proxy: Proxy = { url: '', seen: [], rewrite: undefined, close: () => server.close() };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const route = (request.url ?? '').slice(api.pathname.length);
    proxy.seen.push(`${request.method} ${route}`);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => name.startsWith('x-b3iq-') || name === 'content-type'),
    ) as Record<string, string>;
    const upstream = await fetch(`${api.origin}${request.url}`, {
      method: request.method ?? 'GET',
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    let text = await upstream.text();
    const rewritten = upstream.ok && request.method === 'GET' ? proxy.rewrite?.(route, JSON.parse(text)) : undefined;
    if (rewritten !== undefined) text = JSON.stringify(rewritten);
    response.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${api.pathname}`;
  return proxy;
}

/** The proxy's own keys: a P-256 "directory", an Ed25519 "identity" and an X25519 key it can open. */
function attackerKeys() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const identitySecretKey = ed25519.utils.randomSecretKey();
  return {
    directory: privateKey,
    directorySpki: encodeBase64url(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))),
    identitySecretKey,
    identityPublicKey: encodeBase64url(ed25519.getPublicKey(identitySecretKey)),
    transportPublicKey: encodeBase64url(x25519.getPublicKey(x25519.utils.randomSecretKey())),
  };
}

/** The node view with every key replaced by the proxy's, its record re-signed with `directory`, naming `identity`. */
function resignedNode(node: NodeView, directory: KeyObject, identity: { publicKey: string; secretKey?: Uint8Array }, publicKey: string) {
  return {
    ...node,
    identity_public_key_ed25519: identity.publicKey,
    transport_keys: node.transport_keys.map((key) => {
      const { issued_at: issuedAt } = JSON.parse(key.signed_record) as { issued_at: string };
      const record = transportKeyRecord(node.node_id, key.key_id, publicKey, issuedAt, null, identity.publicKey);
      const claim = { node_id: node.node_id, key_id: key.key_id, public_key_x25519: publicKey, valid_until: null };
      return {
        ...key,
        public_key_x25519: publicKey,
        signed_record: record,
        signature: encodeBase64url(sign('sha256', Buffer.from(record), { key: directory, dsaEncoding: 'der' })),
        node_signature_ed25519:
          identity.secretKey === undefined ? key.node_signature_ed25519 : signNodeKeyStatement(identity.secretKey, claim),
      };
    }),
  };
}

let proxy: Proxy;
let node: TestNode;
let env: Record<string, string>;

beforeAll(async () => {
  proxy = await startProxy();
  const customer = await newCustomer(10n ** 18n);
  node = await newNode();
  const workDir = mkdtempSync(path.join(tmpdir(), 'b3iq-proxy-'));
  writeFileSync(path.join(workDir, 'token'), customer.token, { mode: 0o600 });
  env = {
    B3IQ_API_URL: proxy.url,
    B3IQ_CUSTOMER_ID: customer.customerId,
    B3IQ_CUSTOMER_TOKEN_FILE: path.join(workDir, 'token'),
    B3IQ_KEY_DIR: path.join(workDir, 'keys'),
    HOME: path.join(workDir, 'home'),
  };
});

afterAll(() => proxy.close());

/** Submits a prompt through the proxy: the run and the job id it printed (if any). */
async function submit(prompt: string) {
  const run = await b3iq(['jobs', 'submit', '--node', node.nodeId, '--model', node.modelId, '--json'], { env, stdin: prompt });
  return { run, jobId: run.code === 0 ? (JSON.parse(run.stdout).job_id as string) : undefined };
}

const postsOfJobs = () => proxy.seen.filter((line) => line === `POST ${JOBS_PATH}`).length;

describe('b3iq behind a hostile proxy', () => {
  it('runs one honest job through the proxy, opening the node’s answer and verifying its receipt', async () => {
    // Act
    proxy.rewrite = undefined;
    const { run, jobId } = await submit('honest question');
    await answerJob(node, jobId as string, (prompt) => `node says: ${prompt}`);
    const waited = await b3iq(['jobs', 'wait', jobId as string, '--decrypt', '--json'], { env });
    const receiptHash = JSON.parse(waited.stdout).receipt_hash as string;
    const verified = await b3iq(['receipts', 'verify', receiptHash], { env });
    const pins = await b3iq(['trust', 'show'], { env });

    // Assess
    expect(run.code).toBe(0);
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout).answer.message.content).toBe('node says: honest question');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`receipt ${receiptHash}: verified`);
    expect(verified.stdout).toContain(`job ${jobId}`);
    expect(pins.stdout).toContain(proxy.url);
    expect(pins.stdout).toContain(`node ${node.nodeId}  SHA256:`);
  });

  it.each<{ case: string; attack: (keys: ReturnType<typeof attackerKeys>) => Rewrite; says: string; accept: string }>([
    {
      case: 'its own directory key and node records re-signed with it',
      attack: (keys) => (route, body) => {
        if (route === '/v1/private-inference/key-directory') return { ...(body as object), public_key_spki: keys.directorySpki };
        if (route.startsWith('/v1/private-inference/nodes/')) {
          const view = body as NodeView;
          return resignedNode(view, keys.directory, { publicKey: view.identity_public_key_ed25519 as string }, keys.transportPublicKey);
        }
        return undefined;
      },
      says: 'the key directory of PROXY is not the pinned one',
      accept: 'b3iq trust accept --directory',
    },
    {
      case: 'its own node identity key, with node statements signed by it',
      attack: (keys) => (route, body) =>
        route.startsWith('/v1/private-inference/nodes/')
          ? resignedNode(
              body as NodeView,
              keys.directory,
              { publicKey: keys.identityPublicKey, secretKey: keys.identitySecretKey },
              keys.transportPublicKey,
            )
          : undefined,
      says: 'the identity key of node NODE at PROXY is not the pinned one',
      accept: 'b3iq trust accept --node NODE',
    },
  ])('refuses to submit when the proxy serves $case: exit 7, what changed, and no POST', async ({ attack, says, accept }) => {
    // Prepare
    proxy.rewrite = attack(attackerKeys());
    const postsBefore = postsOfJobs();

    // Act
    const { run } = await submit('secret prompt for the node only');

    // Assess
    const named = (text: string) => text.replace('PROXY', proxy.url).replace('NODE', node.nodeId);
    expect(run.code).toBe(7);
    expect(run.stderr).toContain(named(says));
    expect(run.stderr).toMatch(/pinned SHA256:\S+, presented SHA256:\S+/);
    expect(run.stderr).toContain(named(accept));
    expect(run.stdout).toBe('');
    expect(postsOfJobs()).toBe(postsBefore);
  });

  it('still sends nothing after a swapped directory is accepted: the node’s own signature does not hold', async () => {
    // Prepare: the directory swap of the first attack, which the user then accepts.
    const keys = attackerKeys();
    proxy.rewrite = (route, body) => {
      if (route === '/v1/private-inference/key-directory') return { ...(body as object), public_key_spki: keys.directorySpki };
      if (route.startsWith('/v1/private-inference/nodes/')) {
        const view = body as NodeView;
        return resignedNode(view, keys.directory, { publicKey: view.identity_public_key_ed25519 as string }, keys.transportPublicKey);
      }
      return undefined;
    };
    const postsBefore = postsOfJobs();
    const pinned = JSON.parse((await b3iq(['trust', 'show', '--json'], { env })).stdout).apis[proxy.url].directory_key_spki as string;

    // Act
    const accepted = await b3iq(['trust', 'accept', '--directory'], { env });
    const { run } = await submit('secret prompt for the node only');
    proxy.rewrite = undefined;
    // Set back ahead, as from the deploy output, for the next test.
    const restored = await b3iq(['trust', 'pin-directory', pinned], { env });

    // Assess
    expect(accepted.code).toBe(0);
    expect(run.code).toBe(7);
    expect(run.stderr).toContain("the node's signature of it does not verify");
    expect(postsOfJobs()).toBe(postsBefore);
    expect(restored).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses an answer the proxy sealed itself to the request’s key: exit 7 and nothing of it printed', async () => {
    // Prepare: an honest job, answered by the node; the proxy then replaces the answer in the job view.
    proxy.rewrite = undefined;
    const { jobId } = await submit('what is the secret?');
    await answerJob(node, jobId as string, () => 'the node’s real answer');
    proxy.rewrite = (route, body) => (route === `${JOBS_PATH}/${jobId}` ? forgedAnswer(body as JobView, 'PROXY-FORGED ANSWER') : undefined);

    // Act
    const forged = await b3iq(['jobs', 'wait', jobId as string, '--decrypt'], { env });
    proxy.rewrite = undefined;
    const honest = await b3iq(['jobs', 'wait', jobId as string, '--decrypt'], { env });

    // Assess: refused without a word of the forgery; the request key was kept, so the real answer still opens.
    expect(forged.code).toBe(7);
    expect(forged.stderr).toContain('its receipt does not hold');
    expect(forged.stdout + forged.stderr).not.toContain('PROXY-FORGED');
    expect(forged.stdout).toBe('');
    expect(honest.code).toBe(0);
    expect(honest.stdout).toContain('the node’s real answer');
  });
});
