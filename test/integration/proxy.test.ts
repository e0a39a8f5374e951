/**
 * `b3iq proxy` with the official `openai` npm package as its client, against the deployed stack
 * and the reference node agent (echo backend): the way an unchanged OpenAI application uses a node.
 * The first part runs the proxy in-process (its module, with a client whose fetch a test can turn
 * hostile); the last runs the `b3iq` binary (built by `npm run build`) as a customer runs it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobView } from '@b3iq/protocol';
import { B3iqClient, FileKeyStore, MemoryTrustStore, type RunningProxy, startProxy } from 'b3iq-private-inference/sdk';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { b3iq, runProxy } from './support/b3iq.js';
import { forgedAnswer } from './support/forged-answer.js';
import { useEchoNode } from './support/node-agent.js';
import { account, newCustomer, type TestCustomer } from './support/world.js';

const { apiUrl } = inject('localStack');
const PRICE = 3_000n;
const node = useEchoNode({ modelId: 'echo-1', priceWei: PRICE });

let customer: TestCustomer;
let proxy: RunningProxy;
let openai: OpenAI;
/** When set, the client's API answers for GET jobs/{id} pass through it: a hostile control plane. */
let rewriteJob: ((job: JobView) => JobView) | undefined;

beforeAll(async () => {
  customer = await newCustomer(10n ** 18n);
  const hostileFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = String(input instanceof Request ? input.url : input);
    if (rewriteJob === undefined || (init?.method ?? 'GET') !== 'GET' || !/\/private-inference\/jobs\/[^/]+$/.test(url)) return response;
    const job = (await response.json()) as JobView;
    const served = job.status === 'completed' ? rewriteJob(job) : job;
    return new Response(JSON.stringify(served), { status: response.status, headers: response.headers });
  };
  const client = new B3iqClient({
    apiUrl,
    customerId: customer.customerId,
    customerToken: customer.token,
    keyStore: new FileKeyStore(mkdtempSync(path.join(tmpdir(), 'b3iq-keys-'))),
    trustStore: new MemoryTrustStore(),
    fetch: hostileFetch,
  });
  proxy = await startProxy({ client, nodeId: node.keys().nodeId, defaultModel: 'echo-1', port: 0, wait: { intervalMs: 50 } });
  openai = new OpenAI({ baseURL: proxy.baseUrl, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await proxy?.stop();
});

describe('b3iq proxy with the openai package as its client', () => {
  it('answers chat.completions.create with the node’s answer and usage, and debits the customer once', async () => {
    const before = await account(customer.customerId);

    const completion = await openai.chat.completions.create({
      model: 'echo-1',
      messages: [
        { role: 'system', content: 'Repeat after me.' },
        { role: 'user', content: 'private prompt ünïcödé' },
      ],
      max_tokens: 32,
    });

    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'echo-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'private prompt ünïcödé' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 },
    });
    expect(completion.id).toMatch(/^chatcmpl-job-/);
    expect((await account(customer.customerId)).balance_wei).toBe(before.balance_wei - PRICE);
  });

  it('streams chunks that concatenate to the answer, ending with a stop', async () => {
    const stream = await openai.chat.completions.create({
      messages: [{ role: 'user', content: 'stream me\nplease' }],
      model: 'echo-1',
      stream: true,
      stream_options: { include_usage: true },
    });

    let content = '';
    const finishes: (string | null)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      for (const choice of chunk.choices) {
        content += choice.delta.content ?? '';
        finishes.push(choice.finish_reason);
      }
      usage = chunk.usage ?? usage;
    }

    expect(content).toBe('stream me\nplease');
    expect(finishes.at(-1)).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 3 });
  });

  it('lists the node’s models', async () => {
    const models = [];
    for await (const model of openai.models.list()) models.push(model);

    expect(models).toEqual([{ id: 'echo-1', object: 'model', created: expect.any(Number), owned_by: node.keys().nodeId }]);
  });

  it('answers a model the node does not serve with the API’s 404 and code, as an openai APIError', async () => {
    const refused = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error) => error);

    expect(refused).toBeInstanceOf(APIError);
    expect(refused).toMatchObject({ status: 404, code: 'model_not_served', type: 'not_found_error' });
  });

  it('refuses an answer the control plane forged, and passes nothing of it on', async () => {
    rewriteJob = (job) => forgedAnswer(job, 'FORGED-BY-THE-MIDDLE');
    try {
      const refused = await openai.chat.completions
        .create({ model: 'echo-1', messages: [{ role: 'user', content: 'the real one' }] })
        .catch((error) => error);

      expect(refused).toBeInstanceOf(APIError);
      expect(refused).toMatchObject({ status: 502, code: 'receipt_not_verified' });
      expect(JSON.stringify(refused.error)).not.toContain('FORGED');
    } finally {
      rewriteJob = undefined;
    }
  });
});

/** The customer's configuration, as `b3iq` reads it; the token only from a file. */
function customerEnv(): Record<string, string> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'b3iq-proxy-'));
  const tokenFile = path.join(workDir, 'token');
  writeFileSync(tokenFile, `${customer.token}\n`, { mode: 0o600 });
  return {
    PATH: process.env.PATH ?? '',
    B3IQ_API_URL: apiUrl,
    B3IQ_CUSTOMER_ID: customer.customerId,
    B3IQ_CUSTOMER_TOKEN_FILE: tokenFile,
    B3IQ_KEY_DIR: path.join(workDir, 'keys'),
    HOME: path.join(workDir, 'home'),
  };
}

describe('the b3iq proxy binary', () => {
  it('serves an OpenAI client until SIGTERM, then exits 0', async () => {
    // Prepare
    const running = await runProxy(['--node', node.keys().nodeId, '--model', 'echo-1', '--port', '0'], customerEnv());
    const client = new OpenAI({ baseURL: running.baseUrl, apiKey: 'unused', maxRetries: 0 });

    // Act
    const completion = await client.chat.completions.create({ model: 'echo-1', messages: [{ role: 'user', content: 'from the binary' }] });
    const exited = new Promise<number | null>((resolve) => running.child.once('exit', resolve));
    running.child.kill('SIGTERM');

    // Assess
    expect(completion.choices[0]?.message.content).toBe('from the binary');
    expect(await exited).toBe(0);
    expect(running.output()).toMatch(/POST \/v1\/chat\/completions 200 job-\S+ \d+ ms/);
    expect(running.output()).not.toContain('from the binary');
    expect(running.output()).not.toContain(customer.token);
  });

  it('does not start for a model the node does not serve: exit 2, naming the models it does', async () => {
    const run = await b3iq(['proxy', '--node', node.keys().nodeId, '--model', 'gpt-4o', '--port', '0'], { env: customerEnv() });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`node ${node.keys().nodeId} does not serve model gpt-4o; it serves echo-1`);
  });
});
