import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InferenceRequest } from '@b3iq/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { echoBackend, InferenceBackendError, openAiBackend } from '../../../packages/node-agent/src/backends.js';

const signal = new AbortController().signal;

describe('echoBackend', () => {
  it.each([
    {
      case: 'the last user message, not the last message',
      request: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'an answer' },
          { role: 'user', content: 'the  second question ' },
          { role: 'assistant', content: 'prefill' },
        ],
      },
      content: 'the  second question ',
      usage: { prompt_tokens: 10, completion_tokens: 3 },
    },
    {
      case: 'non-ASCII text verbatim',
      request: { messages: [{ role: 'user', content: 'Grüße aus Zürich — 你好 世界 🚀' }] },
      content: 'Grüße aus Zürich — 你好 世界 🚀',
      usage: { prompt_tokens: 7, completion_tokens: 7 },
    },
    {
      case: 'an empty answer when no user spoke',
      request: { messages: [{ role: 'system', content: 'only a system prompt' }] },
      content: '',
      usage: { prompt_tokens: 4, completion_tokens: 0 },
    },
  ])('answers $case, counting words as usage', async ({ request, content, usage }) => {
    // Act
    const completion = await echoBackend.complete(request as InferenceRequest, 'any-model', signal);

    // Assess
    expect(completion).toEqual({ content, usage });
  });
});

describe('openAiBackend', () => {
  let server: Server | undefined;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A local chat completions server that answers `status` and `body`, recording requests. */
  async function chatServer(status: number, body: unknown) {
    const seen: { url: string; headers: IncomingMessage['headers']; body: unknown }[] = [];
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { seen, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
  }

  const request: InferenceRequest = { messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 16, temperature: 0.2 };

  it('posts an OpenAI chat completion request and reads the answer and usage', async () => {
    // Prepare
    const { seen, baseUrl } = await chatServer(200, {
      choices: [{ message: { role: 'assistant', content: 'General Kenobi' } }],
      usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
    });
    const backend = openAiBackend({ baseUrl: `${baseUrl}/`, apiKey: 'sk-test', models: { 'llama-3.1-8b-instruct': 'llama3.1:8b' } });

    // Act
    const completion = await backend.complete(request, 'llama-3.1-8b-instruct', signal);

    // Assess
    expect(completion).toEqual({ content: 'General Kenobi', usage: { prompt_tokens: 11, completion_tokens: 3 } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/v1/chat/completions');
    expect(seen[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.body).toEqual({
      model: 'llama3.1:8b',
      messages: [{ role: 'user', content: 'Hello there' }],
      max_tokens: 16,
      temperature: 0.2,
      stream: false,
    });
  });

  it('sends the model id as it is and no optional fields when none are given', async () => {
    const { seen, baseUrl } = await chatServer(200, {
      choices: [{ message: { content: 'ok' } }],
      usage: { prompt_tokens: 1, completion_tokens: 1 },
    });

    await openAiBackend({ baseUrl }).complete({ messages: [{ role: 'user', content: 'hi' }] }, 'm-1', signal);

    expect(seen[0]!.body).toEqual({ model: 'm-1', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('counts words when the server reports no usage', async () => {
    const { baseUrl } = await chatServer(200, { choices: [{ message: { content: 'one two three' } }] });

    const completion = await openAiBackend({ baseUrl }).complete(request, 'm', signal);

    expect(completion.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3 });
  });

  it.each([
    { case: 'a 500', status: 500, body: { error: { message: 'Hello there is too long' } }, message: /HTTP 500/ },
    { case: 'an answer without content', status: 200, body: { choices: [] }, message: /choices\[0\]\.message\.content/ },
  ])('throws an InferenceBackendError on $case, without quoting the prompt', async ({ status, body, message }) => {
    // Prepare
    const { baseUrl } = await chatServer(status, body);

    // Act
    const failure = openAiBackend({ baseUrl }).complete(request, 'm', signal);

    // Assess
    await expect(failure).rejects.toBeInstanceOf(InferenceBackendError);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.not.toThrow(/Hello there/);
  });

  it('throws an InferenceBackendError when the server cannot be reached', async () => {
    const { baseUrl } = await chatServer(200, {});
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;

    await expect(openAiBackend({ baseUrl }).complete(request, 'm', signal)).rejects.toThrow(/could not be reached/);
  });
});
