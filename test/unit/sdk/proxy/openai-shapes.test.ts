import { describe, expect, it } from 'vitest';
import { OpenAiError } from '../../../../packages/sdk/src/proxy/error-mapping.js';
import {
  type Answer,
  chatCompletion,
  completionChunks,
  modelList,
  parseChatRequest,
  sseFrames,
} from '../../../../packages/sdk/src/proxy/openai-shapes.js';

const ANSWER: Answer = {
  id: 'chatcmpl-job-1',
  created: 1_780_000_000,
  model: 'echo-1',
  content: 'Hello there',
  usage: { prompt_tokens: 3, completion_tokens: 2 },
};

function refusal(body: unknown, defaultModel?: string): OpenAiError {
  try {
    parseChatRequest(body, defaultModel);
  } catch (error) {
    if (error instanceof OpenAiError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseChatRequest', () => {
  it('turns an OpenAI request into the sealed inference request, with max_tokens and temperature', () => {
    const parsed = parseChatRequest(
      {
        model: 'echo-1',
        messages: [
          { role: 'developer', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi ' },
              { type: 'text', text: 'there' },
            ],
          },
        ],
        max_tokens: 64,
        temperature: 0.2,
        user: 'ignored',
        seed: 7,
      },
      undefined,
    );

    expect(parsed).toEqual({
      model: 'echo-1',
      stream: false,
      includeUsage: false,
      inference: {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi there' },
        ],
        max_tokens: 64,
        temperature: 0.2,
      },
    });
  });

  it('takes the default model when the request names none, and max_completion_tokens over max_tokens', () => {
    const parsed = parseChatRequest(
      {
        messages: [{ role: 'user', content: 'x' }],
        max_tokens: 5,
        max_completion_tokens: 9,
        stream: true,
        stream_options: { include_usage: true },
      },
      'default-model',
    );

    expect(parsed).toMatchObject({ model: 'default-model', stream: true, includeUsage: true, inference: { max_tokens: 9 } });
  });

  it.each([
    { case: 'not an object', body: [], param: null, code: 'invalid_request' },
    { case: 'no model and no default', body: { messages: [{ role: 'user', content: 'x' }] }, param: 'model', code: 'invalid_request' },
    { case: 'no messages', body: { model: 'm', messages: [] }, param: 'messages', code: 'invalid_request' },
    {
      case: 'a tool message',
      body: { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      param: 'messages[0].role',
      code: 'invalid_request',
    },
    {
      case: 'an image part',
      body: { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      param: 'messages[0].content',
      code: 'invalid_request',
    },
    {
      case: 'content a number',
      body: { model: 'm', messages: [{ role: 'user', content: 1 }] },
      param: 'messages[0].content',
      code: 'invalid_request',
    },
    {
      case: 'max_tokens 0',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 },
      param: 'max_tokens',
      code: 'invalid_request',
    },
    {
      case: 'temperature 3',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 3 },
      param: 'temperature',
      code: 'invalid_request',
    },
    {
      case: 'stream "yes"',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 'yes' },
      param: 'stream',
      code: 'invalid_request',
    },
    { case: 'n 2', body: { model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2 }, param: 'n', code: 'unsupported_parameter' },
    {
      case: 'tools',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] },
      param: 'tools',
      code: 'unsupported_parameter',
    },
    {
      case: 'a JSON response format',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } },
      param: 'response_format',
      code: 'unsupported_parameter',
    },
  ])('refuses $case with 400 naming the parameter', ({ body, param, code }) => {
    const error = refusal(body);

    expect(error.toBody()).toMatchObject({ error: { type: 'invalid_request_error', param, code } });
    expect(error.status).toBe(400);
  });

  it('lets the harmless values of refused fields through (n 1, empty tools, text format)', () => {
    const parsed = parseChatRequest(
      { model: 'm', messages: [{ role: 'user', content: 'x' }], n: 1, tools: [], response_format: { type: 'text' }, logprobs: false },
      undefined,
    );

    expect(parsed.model).toBe('m');
  });
});

describe('the answer in OpenAI shapes', () => {
  it('is a chat.completion with the node usage and its total', () => {
    expect(chatCompletion(ANSWER)).toEqual({
      id: 'chatcmpl-job-1',
      object: 'chat.completion',
      created: 1_780_000_000,
      model: 'echo-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it('streams a role chunk, the content, a finish chunk, and the usage only when asked', () => {
    const chunks = completionChunks(ANSWER, false);
    const withUsage = completionChunks(ANSWER, true);

    expect(chunks.map((chunk) => chunk.choices[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { content: 'Hello there' }, finish_reason: null, logprobs: null },
      { index: 0, delta: {}, finish_reason: 'stop', logprobs: null },
    ]);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === ANSWER.id && chunk.usage === undefined)).toBe(
      true,
    );
    expect(withUsage).toHaveLength(4);
    expect(withUsage[3]).toMatchObject({ choices: [], usage: { total_tokens: 5 } });
  });

  it('frames each chunk as one data line and ends with [DONE], even when the content has newlines', () => {
    const frames = sseFrames(completionChunks({ ...ANSWER, content: 'line 1\nline 2\r\n\ndata: [DONE]' }, false));

    const events = frames.split('\n\n');
    expect(events.at(-1)).toBe('');
    expect(events.at(-2)).toBe('data: [DONE]');
    const data = events.slice(0, -2);
    expect(data.every((event) => event.startsWith('data: ') && !event.includes('\n'))).toBe(true);
    const content = data.map((event) => JSON.parse(event.slice('data: '.length)).choices[0].delta.content ?? '').join('');
    expect(content).toBe('line 1\nline 2\r\n\ndata: [DONE]');
  });

  it('lists the node models as OpenAI models owned by the node', () => {
    const node = {
      node_id: 'node-a',
      models: [
        { model_id: 'echo-1', price_wei: '1' },
        { model_id: 'echo-2', price_wei: '2' },
      ],
    };

    expect(modelList(node as never, 1_780_000_000)).toEqual({
      object: 'list',
      data: [
        { id: 'echo-1', object: 'model', created: 1_780_000_000, owned_by: 'node-a' },
        { id: 'echo-2', object: 'model', created: 1_780_000_000, owned_by: 'node-a' },
      ],
    });
  });
});
