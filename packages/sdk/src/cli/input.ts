/** The job input: a prompt, or a messages JSON (`{"messages": [...]}` or a bare array), from a file or stdin. */
import { readFile } from 'node:fs/promises';
import type { ChatMessage, InferenceRequest } from '@b3iq/protocol';
import { UsageError } from '@b3iq/protocol';

const ROLES = new Set(['system', 'user', 'assistant']);

function isMessages(value: unknown): value is ChatMessage[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (message) => typeof message === 'object' && message !== null && ROLES.has(message.role) && typeof message.content === 'string',
    )
  );
}

/** Reads `--input FILE` or `-` (stdin). Text that is not a messages JSON is one user message. */
async function readJobInput(source: string | undefined, stdin: NodeJS.ReadStream = process.stdin): Promise<InferenceRequest> {
  if (source === undefined && stdin.isTTY) {
    throw new UsageError('give the prompt with --input FILE, or pipe it in: echo "Hello" | b3iq jobs submit ...');
  }
  const text = source === undefined || source === '-' ? await readAll(stdin) : await readFileOrExplain(source);
  if (text.trim().length === 0) throw new UsageError('the input is empty; give a prompt or a messages JSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { messages: [{ role: 'user', content: text.replace(/\n$/, '') }] };
  }
  if (isMessages(parsed)) return { messages: parsed };
  if (typeof parsed === 'object' && parsed !== null && isMessages((parsed as InferenceRequest).messages)) {
    return parsed as InferenceRequest;
  }
  throw new UsageError('the input is JSON but not {"messages": [{"role", "content"}, ...]}; send plain text for a single prompt');
}

async function readFileOrExplain(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --input ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export { readJobInput };
