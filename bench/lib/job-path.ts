/**
 * The job path, measured: `POST /v1/private-inference/jobs` for accepted jobs, through the real
 * `customer-jobs` handler in-process (the deployed stack's Lambda environment, the emulator's
 * table, queues and keys) and through the deployed API Gateway and bundled Lambda over HTTP.
 *
 * Import only after run.ts has set the Lambda environment and installed the counters: this module
 * imports the handler, whose clients are then counted.
 */
import { handler as customerJobs } from '../../lambdas/handlers/customer-jobs.js';
import { countAsymmetricCrypto } from './asymmetric-crypto.js';
import { byService, countAwsCalls, sorted, type Tally, total } from './aws-calls.js';
import { type LatencySummary, round, summarize } from './stats.js';
import { type BenchCustomer, lambdaContext, newCustomer, newNode, type ProxyHandler, proxyEvent, sealedBodies } from './world.js';

interface Outcome {
  status: number;
  code?: string;
}

type Submit = (customer: BenchCustomer, body: string) => Promise<Outcome>;

type Mode = 'in-process' | 'http';

interface LatencyResult extends LatencySummary {
  path: Mode;
  warmup: number;
  /** Requests not answered 202 (left out of the figures). */
  not_accepted: Record<string, number>;
}

interface ThroughputResult {
  mode: Mode;
  customers: 'distinct' | 'one';
  clients: number;
  duration_s: number;
  accepted: number;
  accepted_per_s: number;
  /** Answers other than 202, by status and problem code (e.g. `429 rate_limited` when a contended account gave up). */
  not_accepted: Record<string, number>;
  latency_p50_ms: number;
  latency_p99_ms: number;
  /** In-process only: TransactWriteItems calls per accepted job (above 1: reservations retried after losing an account race). */
  transact_writes_per_accepted?: number;
}

interface WarmPath {
  accepted_jobs: number;
  requests: number;
  /** Wall time of the warm requests, for the bound on cache refreshes. */
  duration_s: number;
  /** Customers the sequential requests cycle through (each with its own submit-cache entry). */
  customers: number;
  calls_total: number;
  /**
   * Calls per accepted job with the submit cache warm: every call but the cache's refresh reads
   * (BatchGetItem, at most one per customer and node per cache lifetime; `cache_refresh_reads`).
   */
  calls_per_accepted_job: number;
  /** The BatchGetItem reads of the warm window: the submit cache refreshing its entries (no other warm read). */
  cache_refresh_reads: number;
  /** Every call of the window per accepted job, refreshes included (tends to `calls_per_accepted_job` as the rate grows). */
  calls_per_accepted_job_with_refreshes: number;
  calls_by_operation: Tally;
  calls_by_service: Tally;
  http_attempts_by_operation: Tally;
  asymmetric_crypto_ops: Tally;
}

interface JobPathResults {
  /** The counters' own check: known operations made through the same imports the Lambdas use, in a window. */
  instrument_check: { asymmetric_crypto_ops: Tally };
  customers: number;
  node_price_wei: string;
  first_request: { status: number; latency_ms: number; calls_by_operation: Tally; asymmetric_crypto_ops: Tally };
  warm_path: WarmPath;
  latency: LatencyResult[];
  throughput: ThroughputResult[];
}

interface JobPathOptions {
  apiUrl: string;
  adminToken: string;
  log: (line: string) => void;
  /** Seconds each throughput configuration runs. */
  throughputSeconds: number;
  warmRequests: number;
  httpRequests: number;
}

const JOBS_ROUTE = '/v1/private-inference/jobs';

function codeOf(body: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as { code?: unknown; error?: { code?: unknown } };
    const code = parsed.code ?? parsed.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

const outcomeKey = (outcome: Outcome) => `${outcome.status}${outcome.code === undefined ? '' : ` ${outcome.code}`}`;

function inProcess(): Submit {
  return async (customer, body) => {
    const result = await (customerJobs as ProxyHandler)(
      proxyEvent('POST', JOBS_ROUTE, { headers: customer.headers, body }),
      lambdaContext(),
    );
    return result.statusCode === 202 ? { status: 202 } : { status: result.statusCode, code: codeOf(result.body) ?? 'unknown' };
  };
}

function overHttp(apiUrl: string): Submit {
  return async (customer, body) => {
    try {
      const response = await fetch(`${apiUrl}${JOBS_ROUTE}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...customer.headers },
        body,
      });
      const text = await response.text();
      return response.status === 202 ? { status: 202 } : { status: response.status, code: codeOf(text) ?? 'unknown' };
    } catch (error) {
      return { status: 0, code: `network: ${(error as Error).message}` };
    }
  };
}

/** Cycles through pre-sealed bodies, so sealing never runs inside a timed request. */
function bodyPool(bodies: string[]): () => string {
  let next = 0;
  return () => bodies[next++ % bodies.length]!;
}

/** Sequential accepted-job latency, after `warmup` requests that are not counted. */
async function latency(
  path: Mode,
  submit: Submit,
  customers: BenchCustomer[],
  nextBody: () => string,
  warmup: number,
  n: number,
): Promise<LatencyResult> {
  const samples: number[] = [];
  const notAccepted: Record<string, number> = {};
  for (let index = 0; index < warmup + n; index += 1) {
    const customer = customers[index % customers.length]!;
    const body = nextBody();
    const start = performance.now();
    const outcome = await submit(customer, body);
    const elapsed = performance.now() - start;
    if (index < warmup) continue;
    if (outcome.status === 202) samples.push(elapsed);
    else notAccepted[outcomeKey(outcome)] = (notAccepted[outcomeKey(outcome)] ?? 0) + 1;
  }
  return { path, warmup, ...summarize(samples), not_accepted: notAccepted };
}

/** `clients` concurrent clients, each submitting back to back for `seconds`; after one uncounted request each. */
async function throughput(
  mode: Mode,
  submit: Submit,
  customers: BenchCustomer[],
  clients: number,
  seconds: number,
  nextBody: () => string,
): Promise<Omit<ThroughputResult, 'customers'>> {
  const customerOf = (client: number) => customers[client % customers.length]!;
  await Promise.all(Array.from({ length: clients }, (_, client) => submit(customerOf(client), nextBody())));
  const samples: number[] = [];
  const notAccepted: Record<string, number> = {};
  const run = async () => {
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        while (performance.now() < end) {
          const requestStart = performance.now();
          const outcome = await submit(customerOf(client), nextBody());
          if (outcome.status === 202) samples.push(performance.now() - requestStart);
          else notAccepted[outcomeKey(outcome)] = (notAccepted[outcomeKey(outcome)] ?? 0) + 1;
        }
      }),
    );
    return performance.now() - start;
  };
  let elapsedMs: number;
  let transactWrites: number | undefined;
  if (mode === 'in-process') {
    const { result, window } = await countAwsCalls(run);
    elapsedMs = result;
    transactWrites = window.calls['DynamoDB:TransactWriteItems'] ?? 0;
  } else {
    elapsedMs = await run();
  }
  const latencies = summarize(samples);
  return {
    mode,
    clients,
    duration_s: round(elapsedMs / 1000),
    accepted: samples.length,
    accepted_per_s: round((samples.length * 1000) / elapsedMs, 1),
    not_accepted: notAccepted,
    latency_p50_ms: latencies.p50_ms,
    latency_p99_ms: latencies.p99_ms,
    ...(transactWrites === undefined || samples.length === 0
      ? {}
      : { transact_writes_per_accepted: round(transactWrites / samples.length) }),
  };
}

const CLIENT_COUNTS = [1, 8, 32];
/** Customers the sequential warm-path requests cycle through. */
const WARM_CUSTOMERS = 4;

async function measureJobPath(options: JobPathOptions): Promise<JobPathResults> {
  const { log } = options;
  log(`creating ${Math.max(...CLIENT_COUNTS)} customers and a node through the admin handler`);
  const node = await newNode(options.adminToken);
  const customers: BenchCustomer[] = [];
  for (let index = 0; index < Math.max(...CLIENT_COUNTS); index += 1) customers.push(await newCustomer(options.adminToken));
  const nextBody = bodyPool(sealedBodies(node, 64));
  const local = inProcess();
  const http = overHttp(options.apiUrl);

  // The handler's first request in this process: the container is cold (directory key, queue URL).
  log('in-process: first request (cold container), then the warm path');
  const firstStart = performance.now();
  const first = await countAwsCalls(() => countAsymmetricCrypto(() => local(customers[0]!, nextBody())));
  const firstLatency = performance.now() - firstStart;
  if (first.result.result.status !== 202) throw new Error(`the first in-process job was not accepted: ${outcomeKey(first.result.result)}`);

  // Warm path: the AWS calls and asymmetric operations of accepted jobs, and their latency. Warm means
  // the container and its submit cache (1 s per entry): a few customers, each submitting several times a
  // second. (Cycling all 32 customers one request at a time would revisit each after its entry expired.)
  const warmCustomers = customers.slice(0, WARM_CUSTOMERS);
  const warmStart = performance.now();
  const warm = await countAwsCalls(() =>
    countAsymmetricCrypto(() => latency('in-process', local, warmCustomers, nextBody, 20, options.warmRequests)),
  );
  const warmSeconds = (performance.now() - warmStart) / 1000;
  // The warm-up requests ran inside the window too: count per request over all of them.
  const inProcessLatency = warm.result.result;
  const warmRequests = inProcessLatency.warmup + options.warmRequests;
  const notAccepted = Object.values(inProcessLatency.not_accepted).reduce((sum, count) => sum + count, 0);
  const acceptedJobs = warmRequests - notAccepted;
  const refreshes = warm.window.calls['DynamoDB:BatchGetItem'] ?? 0;
  const warmPath: WarmPath = {
    accepted_jobs: acceptedJobs,
    requests: warmRequests,
    duration_s: round(warmSeconds),
    customers: warmCustomers.length,
    calls_total: total(warm.window.calls),
    calls_per_accepted_job: round((total(warm.window.calls) - refreshes) / Math.max(1, acceptedJobs)),
    cache_refresh_reads: refreshes,
    calls_per_accepted_job_with_refreshes: round(total(warm.window.calls) / Math.max(1, acceptedJobs)),
    calls_by_operation: sorted(warm.window.calls),
    calls_by_service: sorted(byService(warm.window.calls)),
    http_attempts_by_operation: sorted(warm.window.attempts),
    asymmetric_crypto_ops: sorted(warm.result.ops),
  };

  // The asymmetric counter must see what the Lambdas' imports do: one X25519 through noble and one
  // through node:crypto, imported as the Lambda modules import them (after the counters).
  const canary = await countAsymmetricCrypto(async () => {
    const { x25519 } = await import('@noble/curves/ed25519.js');
    const crypto = await import('node:crypto');
    const a = x25519.utils.randomSecretKey();
    x25519.getSharedSecret(a, x25519.getPublicKey(x25519.utils.randomSecretKey()));
    const pair = crypto.generateKeyPairSync('x25519');
    crypto.diffieHellman({ privateKey: pair.privateKey, publicKey: pair.publicKey });
  });

  log(`http: ${options.httpRequests} sequential jobs through the deployed API`);
  const httpLatency = await latency('http', http, customers, nextBody, 10, options.httpRequests);

  const throughputResults: ThroughputResult[] = [];
  for (const [mode, submit] of [
    ['in-process', local],
    ['http', http],
  ] as const) {
    for (const shape of ['distinct', 'one'] as const) {
      for (const clients of CLIENT_COUNTS) {
        const pool = shape === 'one' ? [customers[0]!] : customers.slice(0, clients);
        const result = await throughput(mode, submit, pool, clients, options.throughputSeconds, nextBody);
        log(
          `${mode}, ${clients} clients on ${shape === 'one' ? 'one customer' : 'distinct customers'}: ${result.accepted_per_s} accepted jobs/s`,
        );
        throughputResults.push({ ...result, customers: shape });
      }
    }
  }

  return {
    instrument_check: { asymmetric_crypto_ops: sorted(canary.ops) },
    customers: customers.length,
    node_price_wei: '1000000000000',
    first_request: {
      status: first.result.result.status,
      latency_ms: round(firstLatency),
      calls_by_operation: sorted(first.window.calls),
      asymmetric_crypto_ops: sorted(first.result.ops),
    },
    warm_path: warmPath,
    latency: [inProcessLatency, httpLatency],
    throughput: throughputResults,
  };
}

export type { JobPathResults, LatencyResult, ThroughputResult, WarmPath };
export { measureJobPath };
