/**
 * The proxy's HTTP surface with a stand-in client (the SDK's own calls are tested against the
 * emulator in test/integration/proxy.test.ts): guards, routes, and what reaches the caller when
 * the client refuses an answer.
 */
import { request } from 'node:http';
import type { JobView } from '@b3iq/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { B3iqClient } from '../../../../packages/sdk/src/client.js';
import { B3iqReceiptError } from '../../../../packages/sdk/src/errors.js';
import { type RunningProxy, startProxy } from '../../../../packages/sdk/src/proxy/server.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function call(
  proxy: RunningProxy,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        method,
        path,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

const JOB = { job_id: 'job-1', status: 'completed', encrypted_response: {} } as unknown as JobView;
const CHAT = { model: 'echo-1', messages: [{ role: 'user', content: 'Hello' }] };

function fakeClient(overrides: Partial<Record<keyof B3iqClient, unknown>> = {}) {
  const client = {
    submitJob: vi.fn(async () => ({ job_id: 'job-1' })),
    waitForJob: vi.fn(async () => JOB),
    openAnswer: vi.fn(async () => ({
      message: { role: 'assistant', content: 'Hello' },
      usage: { prompt_tokens: 1, completion_tokens: 1 },
    })),
    getVerifiedNode: vi.fn(async () => ({ node: { node_id: 'node-a', models: [{ model_id: 'echo-1', price_wei: '1' }] } })),
    ...overrides,
  };
  return client;
}

let proxy: RunningProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

async function start(client: ReturnType<typeof fakeClient>) {
  proxy = await startProxy({
    client: client as unknown as B3iqClient,
    nodeId: 'node-a',
    defaultModel: 'echo-1',
    port: 0,
    now: () => 1_780_000_000_000,
  });
  return proxy;
}

describe('b3iq proxy over HTTP', () => {
  it('seals the request for the chosen node and answers a chat.completion named after the job', async () => {
    const client = fakeClient();
    const running = await start(client);

    const reply = await call(running, 'POST', '/v1/chat/completions', { body: { ...CHAT, max_tokens: 8 } });

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({
      id: 'chatcmpl-job-1',
      object: 'chat.completion',
      created: 1_780_000_000,
      choices: [{ message: { content: 'Hello' } }],
    });
    expect(reply.headers['x-b3iq-job-id']).toBe('job-1');
    expect(client.submitJob).toHaveBeenCalledWith({
      nodeId: 'node-a',
      modelId: 'echo-1',
      request: { messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 },
    });
  });

  it('answers 502 receipt_not_verified, and nothing of the answer, when the receipt does not hold', async () => {
    const client = fakeClient({
      openAnswer: vi.fn(async () => {
        throw new B3iqReceiptError('the answer to job job-1 is not opened: its receipt does not hold: bad signature');
      }),
    });
    const running = await start(client);

    const reply = await call(running, 'POST', '/v1/chat/completions', { body: { ...CHAT, stream: true } });

    expect(reply.status).toBe(502);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(JSON.parse(reply.text)).toEqual({
      error: { type: 'api_error', code: 'receipt_not_verified', param: null, message: expect.stringContaining('not opened') },
    });
  });

  it.each<{ case: string; headers: Record<string, string>; code: string }>([
    { case: 'a Host of another name (DNS rebinding)', headers: { host: 'evil.example:8080' }, code: 'host_not_allowed' },
    { case: 'a browser page (Origin)', headers: { origin: 'https://evil.example' }, code: 'origin_not_allowed' },
  ])('refuses $case with 403 before anything is sealed', async ({ headers, code }) => {
    const client = fakeClient();
    const running = await start(client);

    const reply = await call(running, 'POST', '/v1/chat/completions', { body: CHAT, headers });

    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.text).error.code).toBe(code);
    expect(client.submitJob).not.toHaveBeenCalled();
  });

  it('accepts localhost:PORT as the Host', async () => {
    const running = await start(fakeClient());

    const reply = await call(running, 'GET', '/v1/models', { headers: { host: `localhost:${running.port}` } });

    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text).data.map((model: { id: string }) => model.id)).toEqual(['echo-1']);
  });

  it('refuses a body that is not application/json (a page could send text/plain without a preflight)', async () => {
    const client = fakeClient();
    const running = await start(client);

    const reply = await call(running, 'POST', '/v1/chat/completions', { body: CHAT, headers: { 'content-type': 'text/plain' } });

    expect(reply.status).toBe(415);
    expect(client.submitJob).not.toHaveBeenCalled();
  });

  it('answers 405 with Allow, 404 for other paths and for a model the node does not serve', async () => {
    const running = await start(fakeClient());

    const [wrongMethod, noRoute, noModel, model] = await Promise.all([
      call(running, 'GET', '/v1/chat/completions'),
      call(running, 'GET', '/v1/embeddings'),
      call(running, 'GET', '/v1/models/gpt-4o'),
      call(running, 'GET', '/v1/models/echo-1'),
    ]);

    expect([wrongMethod.status, wrongMethod.headers.allow]).toEqual([405, 'POST']);
    expect(noRoute.status).toBe(404);
    expect([noModel.status, JSON.parse(noModel.text).error.code]).toEqual([404, 'model_not_served']);
    expect(JSON.parse(model.text)).toEqual({ id: 'echo-1', object: 'model', created: 1_780_000_000, owned_by: 'node-a' });
  });

  it('on stop, answers a request still waiting with 503 and the job to open later', async () => {
    const client = fakeClient({
      waitForJob: vi.fn(
        (_jobId: string, options: { signal: AbortSignal }) =>
          new Promise((_, reject) => options.signal.addEventListener('abort', () => reject(options.signal.reason))),
      ),
    });
    const running = await start(client);
    const pending = call(running, 'POST', '/v1/chat/completions', { body: CHAT });
    await vi.waitFor(() => expect(client.waitForJob).toHaveBeenCalled());

    await running.stop();
    const reply = await pending;

    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.text).error).toMatchObject({
      code: 'proxy_stopping',
      message: expect.stringContaining('b3iq jobs wait job-1 --decrypt'),
    });
  });
});
