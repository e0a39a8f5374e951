/**
 * Where the node agent gets its answers: an echo backend for tests and local runs, and any
 * OpenAI-compatible chat completions server (Ollama, vLLM, llama.cpp). A backend sees the
 * plaintext; the agent never logs what it returns, and a backend's error messages must not quote
 * the prompt (`InferenceBackendError` carries a message that is safe to report).
 */
import type { ChatMessage, InferenceRequest } from '@b3iq/protocol';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

interface Completion {
  content: string;
  usage: Usage;
}

interface InferenceBackend {
  /** Answers `request` with `modelId`; throws when it cannot. Should stop early when `signal` aborts. */
  complete(request: InferenceRequest, modelId: string, signal: AbortSignal): Promise<Completion>;
}

/** A backend failure whose message holds no plaintext, so the agent may post and log it. */
class InferenceBackendError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InferenceBackendError';
  }
}

function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed.length === 0 ? 0 : trimmed.split(/\s+/u).length;
}

function promptWords(messages: ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + wordCount(message.content), 0);
}

/** Answers the last user message verbatim; usage counts whitespace-separated words. */
const echoBackend: InferenceBackend = {
  async complete(request) {
    const content = request.messages.findLast((message) => message.role === 'user')?.content ?? '';
    return { content, usage: { prompt_tokens: promptWords(request.messages), completion_tokens: wordCount(content) } };
  },
};

interface OpenAiBackendOptions {
  /** e.g. `http://127.0.0.1:11434/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey?: string;
  /** B3IQ model id → the backend's model name; ids not listed are sent as they are. */
  models?: Record<string, string>;
  fetch?: typeof fetch;
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** An OpenAI-compatible `POST {baseUrl}/chat/completions` backend. */
function openAiBackend(options: OpenAiBackendOptions): InferenceBackend {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const doFetch = options.fetch ?? fetch;
  return {
    async complete(request, modelId, signal) {
      const body = {
        model: options.models?.[modelId] ?? modelId,
        messages: request.messages.map(({ role, content }) => ({ role, content })),
        ...(request.max_tokens === undefined ? {} : { max_tokens: request.max_tokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        stream: false,
      };
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(options.apiKey === undefined ? {} : { Authorization: `Bearer ${options.apiKey}` }),
          },
          body: JSON.stringify(body),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw new InferenceBackendError(`the inference backend could not be reached (${(error as Error).name})`, { cause: error });
      }
      if (!response.ok) {
        // The error body may quote the prompt; only the status is reported.
        await response.body?.cancel();
        throw new InferenceBackendError(`the inference backend answered HTTP ${response.status}`);
      }
      let answer: { choices?: { message?: { content?: unknown } }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
      try {
        answer = (await response.json()) as typeof answer;
      } catch {
        throw new InferenceBackendError('the inference backend did not answer JSON');
      }
      const content = answer?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new InferenceBackendError('the inference backend answer has no choices[0].message.content');
      const usage = answer.usage;
      return {
        content,
        usage: {
          prompt_tokens: isCount(usage?.prompt_tokens) ? usage.prompt_tokens : promptWords(request.messages),
          completion_tokens: isCount(usage?.completion_tokens) ? usage.completion_tokens : wordCount(content),
        },
      };
    },
  };
}

export type { Completion, InferenceBackend, OpenAiBackendOptions, Usage };
export { echoBackend, InferenceBackendError, openAiBackend, wordCount };
