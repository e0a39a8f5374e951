/**
 * OpenAI's chat-completion shapes, as `b3iq proxy` reads and answers them: the request body turned
 * into the sealed `InferenceRequest`, and the node's answer turned into a `chat.completion`, the
 * `chat.completion.chunk` events of a stream, and the model list. Pure: no I/O, no clock.
 *
 * Request fields: `model`, `messages`, `max_tokens` (or `max_completion_tokens`), `temperature`,
 * `stream` and `stream_options.include_usage` are used. A field that would change what the answer
 * is and that a node cannot honour (`n` other than 1, tools and functions, a JSON response format,
 * log probabilities, audio) is refused with 400 rather than silently dropped; any other field
 * (`user`, `seed`, `top_p`, `stop`, penalties, `metadata`, ...) is ignored.
 */
import type { ChatMessage, InferenceRequest, NodeView } from '@b3iq/protocol';
import { OpenAiError } from './error-mapping.js';

interface ChatCompletionRequest {
  /** The request's model, or the proxy's default when the request names none. */
  model: string;
  inference: InferenceRequest;
  stream: boolean;
  includeUsage: boolean;
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: { index: 0; message: { role: 'assistant'; content: string }; finish_reason: 'stop'; logprobs: null }[];
  usage: Usage;
}

interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: { index: 0; delta: { role?: 'assistant'; content?: string }; finish_reason: 'stop' | null; logprobs: null }[];
  usage?: Usage;
}

interface ModelList {
  object: 'list';
  data: { id: string; object: 'model'; created: number; owned_by: string }[];
}

/** What the node answered, as the proxy passes it on. */
interface Answer {
  id: string;
  created: number;
  model: string;
  content: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** Fields the proxy refuses (a value other than the harmless one) instead of ignoring. */
const UNSUPPORTED: Record<string, (value: unknown) => boolean> = {
  n: (value) => value !== 1,
  tools: (value) => !(Array.isArray(value) && value.length === 0),
  tool_choice: (value) => value !== 'none',
  functions: (value) => !(Array.isArray(value) && value.length === 0),
  function_call: (value) => value !== 'none',
  response_format: (value) => (value as { type?: unknown } | null)?.type !== 'text',
  logprobs: (value) => value !== false,
  top_logprobs: () => true,
  audio: () => true,
  modalities: (value) => !(Array.isArray(value) && value.every((modality) => modality === 'text')),
};

const invalid = (message: string, param: string | null = null) =>
  new OpenAiError(400, 'invalid_request_error', 'invalid_request', message, param);

/** OpenAI's `developer` role is the newer name of `system`; tool and function messages have no meaning here. */
const ROLES: Record<string, ChatMessage['role']> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

/** A message's content: a string, or an array of text parts (joined); images, audio and files are refused. */
function contentOf(content: unknown, index: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
        if (type !== 'text' || typeof text !== 'string') {
          throw invalid(`messages[${index}].content: only text parts are supported`, `messages[${index}].content`);
        }
        return text;
      })
      .join('');
  }
  throw invalid(`messages[${index}].content must be a string or an array of text parts`, `messages[${index}].content`);
}

function messagesOf(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('messages must be a non-empty array', 'messages');
  return value.map((message: unknown, index) => {
    if (typeof message !== 'object' || message === null) throw invalid(`messages[${index}] must be an object`, `messages[${index}]`);
    const { role, content } = message as { role?: unknown; content?: unknown };
    const mapped = typeof role === 'string' ? ROLES[role] : undefined;
    if (mapped === undefined) {
      throw invalid(`messages[${index}].role must be system, developer, user or assistant`, `messages[${index}].role`);
    }
    return { role: mapped, content: contentOf(content, index) };
  });
}

/**
 * The request body (already parsed JSON) as the proxy will seal it. `defaultModel` stands for a
 * request that names no model. Throws `OpenAiError` 400 with the offending `param`.
 */
function parseChatRequest(body: unknown, defaultModel: string | undefined): ChatCompletionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  for (const [name, refused] of Object.entries(UNSUPPORTED)) {
    if (fields[name] !== undefined && fields[name] !== null && refused(fields[name])) {
      throw new OpenAiError(400, 'invalid_request_error', 'unsupported_parameter', `${name} is not supported by b3iq proxy`, name);
    }
  }
  const model = fields.model ?? defaultModel;
  if (typeof model !== 'string' || model.length === 0) {
    throw invalid('model is required (or start b3iq proxy with --model)', 'model');
  }
  const inference: InferenceRequest = { messages: messagesOf(fields.messages) };
  const maxTokens = fields.max_completion_tokens ?? fields.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (!Number.isSafeInteger(maxTokens) || (maxTokens as number) < 1) throw invalid('max_tokens must be a positive integer', 'max_tokens');
    inference.max_tokens = maxTokens as number;
  }
  if (fields.temperature !== undefined && fields.temperature !== null) {
    const { temperature } = fields;
    if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2)) {
      throw invalid('temperature must be a number from 0 to 2', 'temperature');
    }
    inference.temperature = temperature;
  }
  if (fields.stream !== undefined && fields.stream !== null && typeof fields.stream !== 'boolean') {
    throw invalid('stream must be a boolean', 'stream');
  }
  const includeUsage = (fields.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
  return { model, inference, stream: fields.stream === true, includeUsage };
}

const usageOf = ({ prompt_tokens, completion_tokens }: Answer['usage']): Usage => ({
  prompt_tokens,
  completion_tokens,
  total_tokens: prompt_tokens + completion_tokens,
});

function chatCompletion(answer: Answer): ChatCompletion {
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: 'stop', logprobs: null }],
    usage: usageOf(answer.usage),
  };
}

/**
 * The whole answer as OpenAI streams it: a role chunk, a content chunk, a finish chunk, and with
 * `include_usage` a last chunk with no choices and the usage. The node answers all at once, so
 * the content is one chunk.
 */
function completionChunks(answer: Answer, includeUsage: boolean): ChatCompletionChunk[] {
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: 'stop' | null): ChatCompletionChunk => ({
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const chunks = [chunk({ role: 'assistant', content: '' }, null), chunk({ content: answer.content }, null), chunk({}, 'stop')];
  if (includeUsage) {
    chunks.push({
      id: answer.id,
      object: 'chat.completion.chunk',
      created: answer.created,
      model: answer.model,
      choices: [],
      usage: usageOf(answer.usage),
    });
  }
  return chunks;
}

/** Server-sent events: one `data:` line per chunk, then `data: [DONE]`. JSON text has no raw newline, so one line holds it. */
function sseFrames(chunks: readonly unknown[]): string {
  return `${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`;
}

/** The node's models; `created` is when the proxy started (the API does not say when a node began serving a model). */
function modelList(node: NodeView, created: number): ModelList {
  return { object: 'list', data: node.models.map((model) => ({ id: model.model_id, object: 'model', created, owned_by: node.node_id })) };
}

export type { Answer, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ModelList, Usage };
export { chatCompletion, completionChunks, modelList, parseChatRequest, sseFrames };
