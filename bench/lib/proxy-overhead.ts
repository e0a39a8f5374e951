/**
 * The cost of `b3iq proxy` over a direct SDK call (issue 13): the same customer, the same node (the
 * reference agent with its echo backend, polling the deployed API), the same prompt and the same
 * way of waiting; N sequential completions each, the two paths taking turns so that a slow stretch of
 * the machine falls on both. Direct: `submitJob` → `waitForJob` → `openAnswer`. Proxy: an OpenAI
 * `POST /v1/chat/completions` to the proxy on 127.0.0.1, which does the same and answers OpenAI's shape.
 *
 * A job takes a few polls, so the end-to-end ratio moves with where each answer falls in the poll
 * schedule; `hop` isolates the proxy's own cost: the same request through the proxy with a stand-in
 * client that answers at once (local HTTP, JSON in and out, the OpenAI shapes; no job, no network).
 *
 * Import this module only after `process.env` holds the deployed stack's Lambda environment (it
 * enrolls the node through the admin handler in-process, as world.ts does).
 */
import { B3iqClient } from '../../packages/sdk/src/client.js';
import { MemoryKeyStore } from '../../packages/sdk/src/key-store.js';
import { startProxy } from '../../packages/sdk/src/proxy/server.js';
import { MemoryTrustStore } from '../../packages/sdk/src/trust-store.js';
import { startEchoNode } from './echo-node.js';
import { type LatencySummary, round, since, summarize } from './stats.js';
import { newCustomer } from './world.js';

const MODEL_ID = 'echo-bench';
/**
 * Both paths wait alike, reading the job every 25 ms: with the proxy's default schedule (100 ms
 * growing to 1 s) the figures jump by whole polls and hide what the proxy adds (40 rps a client,
 * well under the per-customer limit).
 */
const WAIT = { intervalMs: 25, maxIntervalMs: 25, timeoutMs: 60_000 };
const PROMPT = 'bench: what does the proxy cost? '.padEnd(480, 'lorem ipsum ');

interface ProxyOverheadResult {
  n: number;
  warmup: number;
  prompt_chars: number;
  wait: typeof WAIT;
  direct: LatencySummary;
  proxy: LatencySummary;
  /** proxy ÷ direct. */
  p50_ratio: number;
  p99_ratio: number;
  /** proxy p50 − direct p50. */
  p50_overhead_ms: number;
  /** The proxy alone: its HTTP hop and shapes around a client that answers at once (200 calls). */
  hop: LatencySummary;
}

interface ProxyOverheadOptions {
  apiUrl: string;
  adminToken: string;
  /** Timed completions per path (after `warmup` of each, discarded). */
  calls: number;
  warmup?: number;
  log: (line: string) => void;
}

async function measureProxyOverhead(options: ProxyOverheadOptions): Promise<ProxyOverheadResult> {
  const { apiUrl, adminToken, log } = options;
  const warmup = options.warmup ?? 2;
  const customer = await newCustomer(adminToken);
  const node = await startEchoNode({ apiUrl, adminToken, name: 'proxy', modelId: MODEL_ID });
  const client = new B3iqClient({
    apiUrl,
    customerId: customer.customerId,
    customerToken: customer.headers['X-B3IQ-Customer-Token']!,
    keyStore: new MemoryKeyStore(),
    trustStore: new MemoryTrustStore(),
  });
  const proxy = await startProxy({ client, nodeId: node.nodeId, defaultModel: MODEL_ID, port: 0, wait: WAIT });

  const direct = async () => {
    const accepted = await client.submitJob({ nodeId: node.nodeId, modelId: MODEL_ID, prompt: PROMPT });
    const answer = await client.openAnswer(await client.waitForJob(accepted.job_id, WAIT));
    if (!('message' in answer) || answer.message.content !== PROMPT) throw new Error('the direct call did not answer the prompt');
  };
  const viaProxy = async () => {
    const response = await fetch(`${proxy.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: PROMPT }] }),
    });
    const body = (await response.json()) as { choices?: { message: { content: string } }[] };
    if (response.status !== 200 || body.choices?.[0]?.message.content !== PROMPT) {
      throw new Error(`the proxy answered ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
    }
  };

  const samples = { direct: [] as number[], proxy: [] as number[] };
  try {
    log(`proxy overhead: ${warmup} + ${options.calls} sequential completions each, direct and through b3iq proxy, taking turns`);
    for (let index = 0; index < warmup + options.calls; index += 1) {
      // Alternate which path goes first, so neither always follows the other.
      const order = index % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const);
      for (const which of order) {
        const start = performance.now();
        await (which === 'direct' ? direct() : viaProxy());
        if (index >= warmup) samples[which].push(since(start));
      }
    }
  } finally {
    await proxy.stop();
    await node.stop();
  }
  const hop = await measureHop();
  const directSummary = summarize(samples.direct);
  const proxySummary = summarize(samples.proxy);
  const result = {
    n: options.calls,
    warmup,
    prompt_chars: PROMPT.length,
    wait: WAIT,
    direct: directSummary,
    proxy: proxySummary,
    p50_ratio: round(proxySummary.p50_ms / directSummary.p50_ms, 3),
    p99_ratio: round(proxySummary.p99_ms / directSummary.p99_ms, 3),
    p50_overhead_ms: round(proxySummary.p50_ms - directSummary.p50_ms),
    hop,
  };
  log(
    `proxy overhead: p50 ${directSummary.p50_ms} → ${proxySummary.p50_ms} ms (×${result.p50_ratio}), p99 ×${result.p99_ratio}; the hop alone p50 ${hop.p50_ms} ms`,
  );
  return result;
}

/** The proxy's own cost: a stand-in client (bench only) answers at once, so only the proxy is timed. */
async function measureHop(calls = 200): Promise<LatencySummary> {
  const answer = { message: { role: 'assistant', content: PROMPT }, usage: { prompt_tokens: 1, completion_tokens: 1 } };
  const standIn = {
    submitJob: async () => ({ job_id: 'job-hop' }),
    waitForJob: async () => ({ job_id: 'job-hop', status: 'completed' }),
    openAnswer: async () => answer,
  } as unknown as B3iqClient;
  const proxy = await startProxy({ client: standIn, nodeId: 'node-hop', defaultModel: MODEL_ID, port: 0 });
  const samples: number[] = [];
  try {
    for (let index = 0; index < calls + 10; index += 1) {
      const start = performance.now();
      const response = await fetch(`${proxy.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL_ID, messages: [{ role: 'user', content: PROMPT }] }),
      });
      await response.json();
      if (index >= 10) samples.push(since(start));
    }
  } finally {
    await proxy.stop();
  }
  return summarize(samples);
}

export type { ProxyOverheadResult };
export { measureProxyOverhead };
