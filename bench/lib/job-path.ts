/**
 * The job path, measured: `POST /v1/private-inference/jobs` for accepted jobs, through the real
 * `customer-jobs` handler in-process (the deployed stack's Lambda environment, the emulator's
 * table, queues and keys) and through the deployed API Gateway and bundled Lambda over HTTP.
 *
 * Throughput at 32 clients runs under both contention rules, one after the other in the same run: the
 * emulator's (transactions one at a time, never a TransactionConflict) and DynamoDB's (`aws-conflicts`:
 * every DynamoDB call through the conflict front, with DynamoDB's published latency). Under each, four
 * shapes: 32 distinct customers on 32 nodes (the baseline: nothing shared), one customer on 32 nodes (its
 * account is the hot key), 32 customers on one node (the node is), and one customer on one node (both).
 * Each hot key's ratio to the baseline isolates it: one hot row does not hide behind another.
 *
 * Import only after run.ts has set the Lambda environment and installed the counters: this module
 * imports the handler, whose clients are then counted.
 */
import { handler as customerJobs } from '../../lambdas/handlers/customer-jobs.js';
import type { Contention } from '../../scripts/local/aws-conflicts.js';
import type { ConflictFront, ConflictFrontStats } from '../../scripts/local/dynamodb-conflict-front.js';
import { countAsymmetricCrypto } from './asymmetric-crypto.js';
import { byService, countAwsCalls, sorted, type Tally, total } from './aws-calls.js';
import { type LatencySummary, round, summarize } from './stats.js';
import {
  type BenchCustomer,
  type BenchNode,
  lambdaContext,
  newCustomer,
  newNode,
  type ProxyHandler,
  proxyEvent,
  sealedBodies,
} from './world.js';

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

/** Who the 32 clients submit as, and to which node. */
interface Shape {
  /** `distinct`: client i is customer i; `one`: every client is the same customer. */
  customers: 'distinct' | 'one';
  /** `one`: every job goes to one node; `distinct`: client i's jobs go to node i. */
  nodes: 'one' | 'distinct';
}

interface ThroughputResult extends Shape {
  mode: Mode;
  contention: Contention;
  clients: number;
  duration_s: number;
  accepted: number;
  accepted_per_s: number;
  /** Answers other than 202, by status and problem code (e.g. `429 rate_limited` when a contended account gave up). */
  not_accepted: Record<string, number>;
  latency_p50_ms: number;
  latency_p99_ms: number;
  /**
   * TransactWriteItems attempts per accepted job (above 1: reservations tried again after a lost race or a
   * TransactionConflict). In-process: every HTTP attempt of the process's DynamoDB clients; over HTTP, under
   * aws-conflicts: every TransactWriteItems the front saw (forwarded, cancelled or refused as in progress);
   * over HTTP under the emulator: not counted (null).
   */
  transaction_attempts_per_accepted: number | null;
  /** Under aws-conflicts: what the front refused during the row. */
  conflict_front?: { transactions_cancelled: number; transactions_in_progress: number; single_writes_refused: number };
}

/**
 * The hot-key figures of one path under one contention rule, each row's ratio to the baseline (32
 * distinct customers on 32 nodes) measured in the same run. Targets (bench:check): one customer ≥ 0.8 ×
 * the baseline's throughput and p99 ≤ 2 × its p99; one node ≥ 0.8 × the baseline; ≤ 1.3 transaction
 * attempts per accepted job in every row; no refusal but `429 rate_limited`.
 */
interface ContentionRatios {
  mode: Mode;
  contention: Contention;
  clients: number;
  /** accepted jobs/s, one customer ÷ 32 distinct customers (both over 32 nodes). */
  one_customer_throughput_ratio: number;
  /** p99 latency, one customer ÷ 32 distinct customers (both over 32 nodes). */
  one_customer_p99_ratio: number;
  /** accepted jobs/s, 32 customers on one node ÷ 32 customers on 32 nodes. */
  one_node_throughput_ratio: number;
  /** accepted jobs/s, one customer on one node ÷ the baseline (both hot keys at once; no target). */
  one_customer_one_node_throughput_ratio: number;
  /** The highest transaction attempts per accepted job of the four rows (null: not counted). */
  max_transaction_attempts_per_accepted: number | null;
  /** Answers other than 202 in the four rows, by status and code. */
  refusals: Record<string, number>;
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
  contention_ratios: ContentionRatios[];
}

interface JobPathOptions {
  apiUrl: string;
  adminToken: string;
  log: (line: string) => void;
  /** Seconds each throughput configuration runs. */
  throughputSeconds: number;
  /** The front between every DynamoDB client and the emulator under `aws-conflicts`. */
  front: ConflictFront;
  /** Puts the in-process clients and the deployed functions under a contention rule. */
  setContention: (contention: Contention) => Promise<void>;
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

interface ThroughputRun {
  mode: Mode;
  contention: Contention;
  submit: Submit;
  clients: number;
  seconds: number;
  customerOf: (client: number) => BenchCustomer;
  bodyOf: (client: number) => string;
  front: ConflictFront;
}

const frontRefusals = (before: ConflictFrontStats, after: ConflictFrontStats) => ({
  transactions_cancelled: after.transactionsCancelled - before.transactionsCancelled,
  transactions_in_progress: after.transactionsInProgress - before.transactionsInProgress,
  single_writes_refused: after.singleWritesRefused - before.singleWritesRefused,
});

/** `clients` concurrent clients, each submitting back to back for `seconds`; after one uncounted request each. */
async function throughput(run: ThroughputRun): Promise<Omit<ThroughputResult, keyof Shape>> {
  const { submit, clients, customerOf, bodyOf } = run;
  await Promise.all(Array.from({ length: clients }, (_, client) => submit(customerOf(client), bodyOf(client))));
  const samples: number[] = [];
  const notAccepted: Record<string, number> = {};
  const go = async () => {
    const start = performance.now();
    const end = start + run.seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        while (performance.now() < end) {
          const requestStart = performance.now();
          const outcome = await submit(customerOf(client), bodyOf(client));
          if (outcome.status === 202) samples.push(performance.now() - requestStart);
          else notAccepted[outcomeKey(outcome)] = (notAccepted[outcomeKey(outcome)] ?? 0) + 1;
        }
      }),
    );
    return performance.now() - start;
  };
  const frontBefore = run.front.stats();
  let elapsedMs: number;
  let attempts: number | undefined;
  if (run.mode === 'in-process') {
    const { result, window } = await countAwsCalls(go);
    elapsedMs = result;
    attempts = window.attempts['DynamoDB:TransactWriteItems'] ?? 0;
  } else {
    elapsedMs = await go();
  }
  const frontAfter = run.front.stats();
  if (run.mode === 'http' && run.contention === 'aws-conflicts') {
    const seen = (stats: ConflictFrontStats) =>
      (stats.forwarded.TransactWriteItems ?? 0) + stats.transactionsCancelled + stats.transactionsInProgress;
    attempts = seen(frontAfter) - seen(frontBefore);
  }
  const latencies = summarize(samples);
  return {
    mode: run.mode,
    contention: run.contention,
    clients,
    duration_s: round(elapsedMs / 1000),
    accepted: samples.length,
    accepted_per_s: round((samples.length * 1000) / elapsedMs, 1),
    not_accepted: notAccepted,
    latency_p50_ms: latencies.p50_ms,
    latency_p99_ms: latencies.p99_ms,
    transaction_attempts_per_accepted: attempts === undefined || samples.length === 0 ? null : round(attempts / samples.length),
    ...(run.contention === 'aws-conflicts' ? { conflict_front: frontRefusals(frontBefore, frontAfter) } : {}),
  };
}

const CLIENTS = 32;
const CONTENTIONS: Contention[] = ['emulator', 'aws-conflicts'];
/** The baseline first: every ratio divides by it. */
const BASELINE: Shape = { customers: 'distinct', nodes: 'distinct' };
const SHAPES: Shape[] = [
  BASELINE,
  { customers: 'one', nodes: 'distinct' },
  { customers: 'distinct', nodes: 'one' },
  { customers: 'one', nodes: 'one' },
];

const sameShape = (row: Shape, shape: Shape) => row.customers === shape.customers && row.nodes === shape.nodes;

/** The ratios of each (path, contention) from its three rows. */
function contentionRatios(rows: ThroughputResult[]): ContentionRatios[] {
  const ratios: ContentionRatios[] = [];
  for (const mode of ['in-process', 'http'] as const) {
    for (const contention of CONTENTIONS) {
      const of = (shape: Shape) => rows.find((row) => row.mode === mode && row.contention === contention && sameShape(row, shape));
      const rowsOf = SHAPES.map(of);
      const [baseline, oneCustomer, oneNode, both] = rowsOf;
      if (baseline === undefined || oneCustomer === undefined || oneNode === undefined || both === undefined) continue;
      const four = [baseline, oneCustomer, oneNode, both];
      const attempts = four.map((row) => row.transaction_attempts_per_accepted);
      const refusals: Record<string, number> = {};
      for (const row of four) for (const [key, count] of Object.entries(row.not_accepted)) refusals[key] = (refusals[key] ?? 0) + count;
      const ratio = (row: ThroughputResult) => round(row.accepted_per_s / baseline.accepted_per_s);
      ratios.push({
        mode,
        contention,
        clients: baseline.clients,
        one_customer_throughput_ratio: ratio(oneCustomer),
        one_customer_p99_ratio: round(oneCustomer.latency_p99_ms / baseline.latency_p99_ms),
        one_node_throughput_ratio: ratio(oneNode),
        one_customer_one_node_throughput_ratio: ratio(both),
        max_transaction_attempts_per_accepted: attempts.some((value) => value === null) ? null : Math.max(...(attempts as number[])),
        refusals,
      });
    }
  }
  return ratios;
}
/** Customers the sequential warm-path requests cycle through. */
const WARM_CUSTOMERS = 4;

async function measureJobPath(options: JobPathOptions): Promise<JobPathResults> {
  const { log } = options;
  log(`creating ${CLIENTS} customers and ${CLIENTS} nodes through the admin handler`);
  const nodes: BenchNode[] = [];
  for (let index = 0; index < CLIENTS; index += 1) nodes.push(await newNode(options.adminToken));
  const node = nodes[0]!;
  const customers: BenchCustomer[] = [];
  for (let index = 0; index < CLIENTS; index += 1) customers.push(await newCustomer(options.adminToken));
  const nextBody = bodyPool(sealedBodies(node, 64));
  // Each node but the first gets bodies of its own, for the row that spreads the clients over the nodes.
  const nodePools = [nextBody, ...nodes.slice(1).map((other) => bodyPool(sealedBodies(other, 4)))];
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
  // Once per container and customer, outside the window: the customer's first submit loads their
  // reservation buckets (one Query), which the container then keeps for good.
  for (const customer of warmCustomers) await local(customer, nextBody());
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
  for (const contention of CONTENTIONS) {
    await options.setContention(contention);
    for (const [mode, submit] of [
      ['in-process', local],
      ['http', http],
    ] as const) {
      const run = (shape: Shape, seconds: number, oneNode: () => string = nextBody) =>
        throughput({
          mode,
          contention,
          submit,
          clients: CLIENTS,
          seconds,
          customerOf: (client) => (shape.customers === 'one' ? customers[0]! : customers[client % customers.length]!),
          bodyOf: (client) => (shape.nodes === 'one' ? oneNode() : nodePools[client % nodePools.length]!()),
          front: options.front,
        });
      // Not counted: the deployed functions were just reconfigured (fresh workers), and the relay behind
      // them cold-starts too; the first row measured must not pay for that alone.
      await run(BASELINE, 1);
      for (const shape of SHAPES) {
        // Each one-node row gets a node (and so a queue) of its own. ministack's FIFO SendMessage slows
        // as a queue fills (32 concurrent senders to one queue: 935, 726, then 599 sends/s over three 3 s
        // rounds; a fresh queue 952), which SQS does not: with one node for every row, each later
        // one-node row measured the emulator's queue depth, not the control plane (0.66 × once).
        const oneNode = shape.nodes === 'one' ? bodyPool(sealedBodies(await newNode(options.adminToken), 64)) : nextBody;
        const result = await run(shape, options.throughputSeconds, oneNode);
        log(
          `${contention}, ${mode}, ${CLIENTS} clients, ${shape.customers === 'one' ? 'one customer' : 'distinct customers'} on ` +
            `${shape.nodes === 'one' ? 'one node' : `${CLIENTS} nodes`}: ${result.accepted_per_s} accepted jobs/s, p99 ${result.latency_p99_ms} ms`,
        );
        throughputResults.push({ ...result, ...shape });
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
    contention_ratios: contentionRatios(throughputResults),
  };
}

export type { ContentionRatios, JobPathResults, LatencyResult, ThroughputResult, WarmPath };
export { measureJobPath };
