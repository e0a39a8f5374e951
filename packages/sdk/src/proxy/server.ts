/**
 * `b3iq proxy`: an OpenAI-compatible endpoint on this machine for one node. Each chat completion is
 * sealed to the node with the SDK, submitted, awaited, opened only once the node's receipt holds
 * (the client trust rules, unchanged), and answered in OpenAI's shapes.
 *
 * It listens on 127.0.0.1 only, and no option changes that: whoever can reach it spends the
 * customer's balance with the customer's token, which stays in the CLI's configuration (callers
 * send none). For the same reason it refuses what a web page in a browser could send it:
 * - a Host header other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding: a page of
 *   evil.example whose name now resolves to 127.0.0.1 would send its own Host);
 * - any request with an Origin header (browsers send one on cross-origin requests; OpenAI's SDKs
 *   and curl do not), and a POST body other than application/json (which a page can only send
 *   after a CORS preflight that is never granted).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { B3iqClient, WaitOptions } from '../client.js';
import { jobEndedError, nodeAnswerError, OpenAiError, toOpenAiError } from './error-mapping.js';
import {
  type Answer,
  type ChatCompletionRequest,
  chatCompletion,
  completionChunks,
  modelList,
  parseChatRequest,
  sseFrames,
} from './openai-shapes.js';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;
const MAX_BODY_BYTES = 1024 * 1024;

interface ProxyOptions {
  client: B3iqClient;
  nodeId: string;
  /** The model of a request that names none. */
  defaultModel?: string | undefined;
  /** Default 8080; 0 takes any free port (see `RunningProxy.port`). */
  port?: number | undefined;
  /** How each job is awaited; default: first read after 100 ms, pauses growing to 1 s, 10 minutes in all. */
  wait?: Pick<WaitOptions, 'timeoutMs' | 'intervalMs' | 'maxIntervalMs'>;
  /** One line per request (method, path, status, job id, milliseconds); never a prompt or an answer. */
  log?: (line: string) => void;
  now?: () => number;
}

interface RunningProxy {
  /** `http://127.0.0.1:PORT/v1`, an OpenAI client's base URL. */
  baseUrl: string;
  port: number;
  /** Stops accepting, ends the waits in flight (each answers 503 with its job id) and closes. */
  stop(): Promise<void>;
}

/** The routes and the methods each allows. */
const ROUTES: { pattern: RegExp; methods: string[] }[] = [
  { pattern: /^\/v1\/chat\/completions$/, methods: ['POST'] },
  { pattern: /^\/v1\/models$/, methods: ['GET'] },
  { pattern: /^\/v1\/models\/[^/]+$/, methods: ['GET'] },
];

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new OpenAiError(415, 'invalid_request_error', 'unsupported_media_type', 'the body must be application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new OpenAiError(413, 'invalid_request_error', 'payload_too_large', 'the body is larger than 1 MiB');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new OpenAiError(400, 'invalid_request_error', 'invalid_json', 'the body is not JSON');
  }
}

/** Refuses what a browser page could send (see the module comment). */
function guard(request: IncomingMessage, port: number): void {
  const host = request.headers.host;
  if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) {
    throw new OpenAiError(
      403,
      'permission_error',
      'host_not_allowed',
      `b3iq proxy answers only requests for ${HOST}:${port} or localhost:${port}`,
    );
  }
  if (request.headers.origin !== undefined) {
    throw new OpenAiError(
      403,
      'permission_error',
      'origin_not_allowed',
      'b3iq proxy does not answer browser pages (the request has an Origin)',
    );
  }
}

async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const { client, nodeId } = options;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const wait = { intervalMs: 100, maxIntervalMs: 1_000, timeoutMs: 10 * 60_000, ...options.wait };
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const startedAt = Math.floor(now() / 1000);
  let port = options.port ?? DEFAULT_PORT;

  /** Seals, submits, awaits and opens one completion. */
  async function complete(chat: ChatCompletionRequest, onJob: (jobId: string) => void): Promise<Answer> {
    const accepted = await client.submitJob({ nodeId, modelId: chat.model, request: chat.inference });
    onJob(accepted.job_id);
    let job: Awaited<ReturnType<B3iqClient['waitForJob']>>;
    try {
      job = await client.waitForJob(accepted.job_id, { ...wait, signal: stopping.signal });
    } catch (error) {
      if (!stopping.signal.aborted) throw error;
      throw new OpenAiError(
        503,
        'api_error',
        'proxy_stopping',
        `b3iq proxy stopped before job ${accepted.job_id} ended; its answer can be opened once with: b3iq jobs wait ${accepted.job_id} --decrypt`,
      );
    }
    if (job.status !== 'completed') throw jobEndedError(job);
    const answer = await client.openAnswer(job);
    if ('error' in answer) throw nodeAnswerError(job.job_id, answer.error);
    return {
      id: `chatcmpl-${job.job_id}`,
      created: Math.floor(now() / 1000),
      model: chat.model,
      content: answer.message.content,
      usage: answer.usage,
    };
  }

  async function serve(request: IncomingMessage, response: ServerResponse, onJob: (jobId: string) => void): Promise<void> {
    guard(request, port);
    const path = new URL(request.url ?? '/', `http://${HOST}`).pathname;
    const route = ROUTES.find(({ pattern }) => pattern.test(path));
    if (route === undefined)
      throw new OpenAiError(404, 'not_found_error', 'not_found', `no route ${path}; b3iq proxy serves /v1/chat/completions and /v1/models`);
    if (!route.methods.includes(request.method ?? '')) {
      throw new OpenAiError(405, 'invalid_request_error', 'method_not_allowed', `${request.method} is not allowed on ${path}`, null, {
        allow: route.methods.join(', '),
      });
    }
    if (path.startsWith('/v1/models')) {
      const { node } = await client.getVerifiedNode(nodeId);
      const list = modelList(node, startedAt);
      if (path === '/v1/models') return sendJson(response, 200, list);
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = list.data.find((entry) => entry.id === id);
      if (model === undefined)
        throw new OpenAiError(404, 'not_found_error', 'model_not_served', `node ${nodeId} does not serve model ${id}`, 'model');
      return sendJson(response, 200, model);
    }
    const chat = parseChatRequest(await readJson(request), options.defaultModel);
    const answer = await complete(chat, onJob);
    const headers = { 'x-b3iq-job-id': answer.id.slice('chatcmpl-'.length) };
    if (!chat.stream) return sendJson(response, 200, chatCompletion(answer), headers);
    // The node answers all at once, so the whole stream is written at once, after the receipt held.
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    response.end(sseFrames(completionChunks(answer, chat.includeUsage)));
  }

  const server = createServer((request, response) => {
    const startedMs = now();
    let jobId: string | undefined;
    const handled = serve(request, response, (id) => {
      jobId = id;
    })
      .catch((error: unknown) => {
        const mapped = toOpenAiError(error);
        if (mapped.code === 'internal_error') log(`unexpected error: ${error instanceof Error ? error.name : typeof error}`);
        if (!response.headersSent) sendJson(response, mapped.status, mapped.toBody(), mapped.headers);
        else response.end();
      })
      .finally(() => {
        log(
          `${request.method} ${request.url} ${response.statusCode}${jobId === undefined ? '' : ` ${jobId}`} ${Math.round(now() - startedMs)} ms`,
        );
        inFlight.delete(handled);
      });
    inFlight.add(handled);
  });
  server.listen(port, HOST);
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `http://${HOST}:${port}/v1`,
    port,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        stopping.abort();
        await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await closed;
      })();
      return stopped;
    },
  };
}

export type { ProxyOptions, RunningProxy };
export { DEFAULT_PORT, startProxy };
