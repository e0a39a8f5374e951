/**
 * Webhook delivery latency after settlement, and what webhooks cost settlement (issue 13 points 2
 * and 5). Two fresh customers on one echo node (the reference agent polling the deployed API): one
 * has an endpoint for `job.completed` on a receiver in this process, the other has none. They take
 * turns submitting N sequential jobs through the SDK.
 *
 * - Delivery latency: the delivery's first arrival at the receiver minus `data.completed_at` of the
 *   verified payload, which the node-api Lambda writes in the settling transaction (its clock is
 *   read just before that transaction; the Lambda runs on this machine, so both times come from the
 *   same clock). The path: the table's stream → `webhook-events` → the delivery queue →
 *   `webhook-delivery` → POST.
 * - Settlement: the node's result POST, request to response headers, timed by wrapping the agent's
 *   fetch; its ratio with endpoints ÷ without shows whether webhooks delay settlement.
 *
 * After each job of the customer with the endpoint the bench waits for its delivery, so that every
 * settlement is timed with no delivery in flight on the machine: the ratio compares the settling
 * request itself, not two loads of the 2-core emulator.
 *
 * Import this module only after `process.env` holds the deployed stack's Lambda environment (it
 * makes customers and the node through the admin handler in-process, as world.ts does).
 */
import { B3iqClient } from '../../packages/sdk/src/client.js';
import { MemoryKeyStore } from '../../packages/sdk/src/key-store.js';
import { MemoryTrustStore } from '../../packages/sdk/src/trust-store.js';
import { startEchoNode } from './echo-node.js';
import { resultPostTimer } from './result-post-timer.js';
import { type LatencySummary, round, summarize } from './stats.js';
import { pairDeliveries } from './webhook-pairing.js';
import { startWebhookReceiver } from './webhook-receiver.js';
import { type BenchCustomer, newCustomer } from './world.js';

const MODEL_ID = 'echo-bench';
/** Jobs are read every 25 ms, as in the proxy rows: the job's end is seen soon after it settles. */
const WAIT = { intervalMs: 25, maxIntervalMs: 25, timeoutMs: 60_000 };
const PROMPT = 'bench: when does the webhook arrive?';
/** How long a delivery may take before the bench counts it missing and goes on. */
const DELIVERY_TIMEOUT_MS = 60_000;

type Customer = 'with_endpoint' | 'without_endpoint';

interface WebhookLatencyResult {
  n: number;
  warmup: number;
  /** Arrival at the receiver − `data.completed_at`, first arrival of each delivery. */
  delivery: LatencySummary;
  /** POSTs the receiver accepted for the timed jobs, duplicates included. */
  attempts: number;
  duplicates: number;
  missing: number;
  /** Deliveries the receiver refused because they did not verify (any job). */
  unverified: number;
  /** The node's result POST (request to response headers), by whether the job's customer has endpoints. */
  settlement: {
    with_endpoint: LatencySummary;
    without_endpoint: LatencySummary;
    /** with ÷ without. */
    p50_ratio: number;
    p99_ratio: number;
    /** Result POST attempts over the timed jobs (more than one a job: the agent retried). */
    result_post_attempts: number;
  };
}

interface WebhookLatencyOptions {
  apiUrl: string;
  adminToken: string;
  /** Timed jobs per customer (after `warmup` of each, discarded). */
  jobs: number;
  warmup?: number;
  log: (line: string) => void;
}

function sdkClient(apiUrl: string, customer: BenchCustomer): B3iqClient {
  return new B3iqClient({
    apiUrl,
    customerId: customer.customerId,
    customerToken: customer.headers['X-B3IQ-Customer-Token']!,
    keyStore: new MemoryKeyStore(),
    trustStore: new MemoryTrustStore(),
  });
}

async function measureWebhookLatency(options: WebhookLatencyOptions): Promise<WebhookLatencyResult> {
  const { apiUrl, adminToken, log } = options;
  const warmup = options.warmup ?? 2;
  const receiver = await startWebhookReceiver();
  const timer = resultPostTimer();
  const node = await startEchoNode({ apiUrl, adminToken, name: 'webhooks', modelId: MODEL_ID, fetch: timer.fetch });
  const clients: Record<Customer, B3iqClient> = {
    with_endpoint: sdkClient(apiUrl, await newCustomer(adminToken)),
    without_endpoint: sdkClient(apiUrl, await newCustomer(adminToken)),
  };
  // Registered through the deployed API (POST /v1/webhooks/endpoints), as a customer would.
  receiver.useSecret((await clients.with_endpoint.createWebhookEndpoint(receiver.url, ['job.completed'])).secret);

  const settlement: Record<Customer, number[]> = { with_endpoint: [], without_endpoint: [] };
  const timedJobs: string[] = [];
  let resultPostAttempts = 0;
  let lateDeliveries = 0;
  try {
    log(`webhook latency: ${warmup} + ${options.jobs} sequential jobs each, a customer with an endpoint and one without, taking turns`);
    for (let index = 0; index < warmup + options.jobs; index += 1) {
      const timed = index >= warmup;
      // Alternate which customer goes first, so neither always follows the other.
      const order: Customer[] = index % 2 === 0 ? ['with_endpoint', 'without_endpoint'] : ['without_endpoint', 'with_endpoint'];
      for (const customer of order) {
        const accepted = await clients[customer].submitJob({ nodeId: node.nodeId, modelId: MODEL_ID, prompt: PROMPT });
        const job = await clients[customer].waitForJob(accepted.job_id, WAIT);
        if (job.status !== 'completed') throw new Error(`a webhook bench job ended ${job.status}`);
        const posts = await timer.take();
        if (timed) {
          settlement[customer].push(posts.reduce((sum, ms) => sum + ms, 0));
          resultPostAttempts += posts.length;
        }
        if (customer === 'with_endpoint') {
          if (timed) timedJobs.push(accepted.job_id);
          if (!(await receiver.arrived(accepted.job_id, DELIVERY_TIMEOUT_MS))) lateDeliveries += 1;
        }
      }
    }
  } finally {
    await node.stop();
    await receiver.stop();
  }
  if (lateDeliveries > 0) log(`webhook latency: ${lateDeliveries} deliveries had not arrived after ${DELIVERY_TIMEOUT_MS / 1000} s`);
  const paired = pairDeliveries(timedJobs, receiver.arrivals);
  const withEndpoint = summarize(settlement.with_endpoint);
  const withoutEndpoint = summarize(settlement.without_endpoint);
  const result: WebhookLatencyResult = {
    n: options.jobs,
    warmup,
    delivery: summarize(paired.latenciesMs),
    attempts: paired.attempts,
    duplicates: paired.duplicates,
    missing: paired.missing.length,
    unverified: receiver.unverified(),
    settlement: {
      with_endpoint: withEndpoint,
      without_endpoint: withoutEndpoint,
      p50_ratio: round(withEndpoint.p50_ms / withoutEndpoint.p50_ms, 3),
      p99_ratio: round(withEndpoint.p99_ms / withoutEndpoint.p99_ms, 3),
      result_post_attempts: resultPostAttempts,
    },
  };
  log(
    `webhook latency: delivery p50 ${result.delivery.p50_ms} ms, p99 ${result.delivery.p99_ms} ms (${paired.latenciesMs.length} of ${timedJobs.length} delivered, ` +
      `${result.duplicates} duplicates); settlement with ÷ without endpoint p50 ×${result.settlement.p50_ratio}, p99 ×${result.settlement.p99_ratio}`,
  );
  return result;
}

export type { WebhookLatencyResult };
export { measureWebhookLatency };
