/**
 * `npm run bench:check`: the budgets of issues 6, 11 and 13, checked against `bench/results/latest.json`.
 *
 * It reads the figures `npm run bench` wrote. When there are none yet (a fresh clone), or with
 * `--fresh`, it runs `npm run bench` first (about two minutes: emulator, deploy, measurements).
 * `--results FILE` checks another results file (it is never re-measured).
 * Exit code: 0 every budget met; 1 a budget missed (each miss is explained); 2 no usable results.
 *
 * Budgets:
 * - at most 2 AWS calls per accepted job on the warm path (issue 11), and no KMS call on it; the submit
 *   cache's refresh reads (at most one per customer and node per second) are counted apart and bounded;
 * - no per-request work that a cold start or a cache does once: after the first request, no KMS
 *   GetPublicKey, no Secrets Manager call and no SQS GetQueueUrl;
 * - each handler bundle under 1 MiB;
 * - the job path performs no asymmetric crypto (warm, in-process submits);
 * - hot keys, at 32 clients, for each path (in-process, HTTP) under each contention rule (the emulator's,
 *   DynamoDB's through the conflict front), every ratio between rows of the same run, against the
 *   baseline of 32 distinct customers on 32 nodes: one customer ≥ 0.8 × its throughput and p99 ≤ 2 × its
 *   p99; 32 customers on one node ≥ 0.8 × its throughput; ≤ 1.3 transaction attempts per accepted job
 *   (where counted); no refusal but `429 rate_limited`;
 * - `b3iq proxy`'s p50 ≤ 1.25 × a direct SDK call's (issue 13), when the run measured it;
 * - webhooks never delay settlement: the node's result POST for a customer with an endpoint ≤ 1.25 ×
 *   (p50) that for a customer without; every webhook delivery arrives, verified, and its p99 after
 *   settlement ≤ 2.5 s (issue 13), when the run measured them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../scripts/local/paths.js';
import { type BenchResults, LATEST, RESULTS_SCHEMA } from './lib/results.js';

const MIB = 1024 * 1024;
const MAX_CALLS_PER_JOB = 2;
const MIN_THROUGHPUT_RATIO = 0.8;
const MAX_P99_RATIO = 2;
const MAX_TRANSACTION_ATTEMPTS = 1.3;
/** The one refusal a contended account may answer: the documented per-customer limit (or contention that could not be resolved in time). */
const ALLOWED_REFUSAL = '429 rate_limited';
/** The submit cache's lifetime as the stack configures it (SUBMIT_CACHE_TTL_MS unset: its default). */
const SUBMIT_CACHE_MS = 1000;
/** `b3iq proxy`'s p50 over a direct SDK call's: one local HTTP hop and JSON reshaping on a job of about a second. */
const MAX_PROXY_P50_RATIO = 1.25;
/** Settlement for a customer with webhook endpoints over one without: events are made from the stream, after the settling transaction. */
const MAX_SETTLEMENT_P50_RATIO = 1.25;
/**
 * A delivery's p99 after settlement. Measured on the emulator (2 cores): p50 about 0.1 s, p99 about
 * 0.15 s; the path is two event-source polls and two warm Lambda invocations. ministack polls a
 * stream or queue at once when a record or message is written, and otherwise every second, so a
 * missed wake on both sources adds up to 2 s: 2.5 s holds that with room, and still fails a
 * delivery that waits for a retry (the first comes 5 s after a failed POST) or a stalled worker.
 */
const MAX_DELIVERY_P99_MS = 2500;

interface Check {
  budget: string;
  measured: string;
  ok: boolean;
  /** Why it matters and where to look, printed when missed. */
  ifMissed: string;
}

const resultsFlag = process.argv.indexOf('--results');
const explicitPath = resultsFlag === -1 ? undefined : process.argv[resultsFlag + 1];
if (resultsFlag !== -1 && explicitPath === undefined) {
  console.error('bench:check: --results needs a file');
  process.exit(2);
}
const latestPath = explicitPath ?? fileURLToPath(LATEST);

function runBench(reason: string): void {
  console.log(`${reason}: running \`npm run bench\` first (emulator, deploy and measurements, about two minutes)\n`);
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL('./run.ts', import.meta.url))], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`\nbench:check: \`npm run bench\` failed (exit ${result.status ?? result.signal}); no budgets checked`);
    process.exit(2);
  }
  console.log('');
}

function load(): BenchResults {
  if (explicitPath === undefined) {
    if (process.argv.includes('--fresh')) runBench('--fresh');
    else if (!existsSync(latestPath)) runBench(`no ${latestPath} yet`);
  }
  let results: BenchResults;
  try {
    results = JSON.parse(readFileSync(latestPath, 'utf8')) as BenchResults;
  } catch (error) {
    console.error(`bench:check: cannot read ${latestPath}: ${(error as Error).message}; run \`npm run bench\``);
    process.exit(2);
  }
  if (results.schema !== RESULTS_SCHEMA) {
    console.error(`bench:check: ${latestPath} is not ${RESULTS_SCHEMA} results (schema ${String(results.schema)}); run \`npm run bench\``);
    process.exit(2);
  }
  return results;
}

const tallyText = (tally: Record<string, number>) =>
  Object.keys(tally).length === 0
    ? 'none'
    : Object.entries(tally)
        .map(([key, count]) => `${key} ×${count}`)
        .join(', ');

function checks(results: BenchResults): Check[] {
  const warm = results.job_path.warm_path;
  const calls = warm.calls_by_operation;
  const count = (prefix: string) =>
    Object.entries(calls)
      .filter(([key]) => key.startsWith(prefix))
      .reduce((sum, [, n]) => sum + n, 0);
  const list: Check[] = [];

  list.push({
    budget: `AWS calls per accepted job, warm path ≤ ${MAX_CALLS_PER_JOB}`,
    measured: `${warm.calls_per_accepted_job.toFixed(2)} (${tallyText(calls)} over ${warm.accepted_jobs} jobs)`,
    ok: warm.calls_per_accepted_job <= MAX_CALLS_PER_JOB,
    ifMissed:
      'the warm job path should be TransactWriteItems → SendMessage (the customer and node from the 1-second submit cache); ' +
      'the operations above show what was added (lambdas/services/submit-job.ts and the adapters it calls); a per-request read ' +
      'or lookup belongs in the submit cache (lambdas/services/submit-cache.ts) or a per-container cache',
  });
  // The submit cache reads a customer (with the node) at most once per lifetime: per entry, one read
  // per started second of the window, plus the first. A read per request would be one per job.
  const refreshBound = (warm.customers + 1) * (Math.ceil(warm.duration_s / (SUBMIT_CACHE_MS / 1000)) + 1);
  list.push({
    budget: `submit-cache refresh reads on the warm path ≤ ${refreshBound} ((customers + node) × (seconds + 1))`,
    measured: `${warm.cache_refresh_reads} BatchGetItem over ${warm.accepted_jobs} jobs in ${warm.duration_s} s (${warm.calls_per_accepted_job_with_refreshes.toFixed(2)} calls per job with them)`,
    ok: warm.cache_refresh_reads <= refreshBound,
    ifMissed:
      'submit reads the customer and node only when its cache entry (1 s) is missing or expired, or before a refusal; ' +
      'more reads mean a read on every request (lambdas/services/submit-job.ts, submit-cache.ts)',
  });
  list.push({
    budget: 'KMS calls on the warm path = 0',
    measured: String(count('KMS:')),
    ok: count('KMS:') === 0,
    ifMissed:
      'transport-key records must be verified locally against the directory key fetched once per container (ControlPlane.keyDirectory), not by KMS per request',
  });
  for (const [operation, label, fix] of [
    [
      'KMS:GetPublicKey',
      'KMS GetPublicKey after the first request = 0',
      'fetch the directory key once per container (controlPlaneFromEnv keyDirectory)',
    ],
    [
      'SecretsManager:',
      'Secrets Manager calls after the first request = 0',
      'the job path needs no secret; the admin token is cached for five minutes and used by the admin function only',
    ],
    [
      'SQS:GetQueueUrl',
      'SQS GetQueueUrl after the first request = 0',
      "cache each node's queue URL per container (NodeCommandQueues' AsyncCache)",
    ],
  ] as const) {
    list.push({
      budget: label,
      measured: String(count(operation)),
      ok: count(operation) === 0,
      ifMissed: `work a cold start or cache could do once is repeated per request: ${fix}`,
    });
  }
  for (const bundle of results.bundles) {
    list.push({
      budget: `${bundle.handler} bundle < 1 MiB`,
      measured: `${bundle.kib.toFixed(1)} KiB`,
      ok: bundle.bytes < MIB,
      ifMissed: `lambdas/handlers/${bundle.handler}.ts bundles more than 1 MiB: look for a new dependency (esbuild --metafile on the entry shows what), or an import that pulls a whole SDK or library in`,
    });
  }
  for (const ratio of results.job_path.contention_ratios) {
    const where = `${ratio.mode}, contention ${ratio.contention}, ${ratio.clients} clients`;
    list.push({
      budget: `${where}: one customer ≥ ${MIN_THROUGHPUT_RATIO} × the throughput of 32 distinct customers`,
      measured: `${ratio.one_customer_throughput_ratio.toFixed(2)} ×`,
      ok: ratio.one_customer_throughput_ratio >= MIN_THROUGHPUT_RATIO,
      ifMissed:
        "one customer's concurrent reservations contend on a shared item (the account): spread its available balance over items that reservations draw from without a read-modify-write of one item",
    });
    list.push({
      budget: `${where}: one customer's p99 ≤ ${MAX_P99_RATIO} × that of 32 distinct customers`,
      measured: `${ratio.one_customer_p99_ratio.toFixed(2)} ×`,
      ok: ratio.one_customer_p99_ratio <= MAX_P99_RATIO,
      ifMissed: "retries after lost races on one customer's items make its slowest submits slow: see the attempts per job below",
    });
    list.push({
      budget: `${where}: one node ≥ ${MIN_THROUGHPUT_RATIO} × the throughput of 32 nodes`,
      measured: `${ratio.one_node_throughput_ratio.toFixed(2)} ×`,
      ok: ratio.one_node_throughput_ratio >= MIN_THROUGHPUT_RATIO,
      ifMissed:
        "the job transaction writes or condition-checks an item every customer of the node shares (the node item): under DynamoDB's rules they cancel each other's transactions",
    });
    if (ratio.max_transaction_attempts_per_accepted !== null) {
      list.push({
        budget: `${where}: transaction attempts per accepted job ≤ ${MAX_TRANSACTION_ATTEMPTS}`,
        measured: ratio.max_transaction_attempts_per_accepted.toFixed(2),
        ok: ratio.max_transaction_attempts_per_accepted <= MAX_TRANSACTION_ATTEMPTS,
        ifMissed: 'reservations are tried again after a lost condition or a TransactionConflict: the rows show which shape contends',
      });
    }
    const refused = Object.entries(ratio.refusals).filter(([key]) => key !== ALLOWED_REFUSAL);
    list.push({
      budget: `${where}: no refusal but ${ALLOWED_REFUSAL}`,
      measured: tallyText(ratio.refusals),
      ok: refused.length === 0,
      ifMissed:
        'under load the API must answer 202 or a documented refusal; a 5xx or a timeout leaves the client unsure whether the job was reserved',
    });
  }
  if (results.proxy_overhead !== undefined) {
    list.push({
      budget: `b3iq proxy p50 ≤ ${MAX_PROXY_P50_RATIO} × a direct SDK call's (same node, prompt and waiting)`,
      measured: `${results.proxy_overhead.p50_ratio.toFixed(2)} × (${results.proxy_overhead.p50_overhead_ms} ms)`,
      ok: results.proxy_overhead.p50_ratio <= MAX_PROXY_P50_RATIO,
      ifMissed:
        'the proxy adds work per completion beyond one local HTTP hop: look in packages/sdk/src/proxy/server.ts for a node or directory read per request, or a slower way of waiting than the SDK default',
    });
  }
  if (results.webhook_latency !== undefined) {
    const webhooks = results.webhook_latency;
    const { settlement } = webhooks;
    list.push({
      budget: `settlement with a webhook endpoint p50 ≤ ${MAX_SETTLEMENT_P50_RATIO} × without (the node's result POST)`,
      measured: `${settlement.p50_ratio.toFixed(2)} × (${settlement.with_endpoint.p50_ms} ms ÷ ${settlement.without_endpoint.p50_ms} ms)`,
      ok: settlement.p50_ratio <= MAX_SETTLEMENT_P50_RATIO,
      ifMissed:
        'webhooks must never delay settlement: the settling request (lambdas/services/settle-job.ts) should neither read endpoints nor queue events; ' +
        'events are made afterwards from the table stream (lambdas/handlers/webhook-events.ts)',
    });
    list.push({
      budget: `webhook delivery after settlement p99 ≤ ${MAX_DELIVERY_P99_MS} ms, every delivery verified`,
      measured: `${webhooks.delivery.p99_ms} ms (p50 ${webhooks.delivery.p50_ms} ms; ${webhooks.delivery.n} of ${webhooks.n} delivered, ${webhooks.missing} missing, ${webhooks.unverified} unverified, ${webhooks.duplicates} duplicates)`,
      ok: webhooks.delivery.p99_ms <= MAX_DELIVERY_P99_MS && webhooks.missing === 0 && webhooks.unverified === 0,
      ifMissed:
        'between settlement and the POST are the stream event source of webhook-events and the SQS event source of webhook-delivery ' +
        '(lib/constructs/webhook-deliveries.ts: on AWS a batching window there adds its wait to every delivery; ministack ignores batching windows, so test/cdk/webhook-deliveries.test.ts refuses one), ' +
        'the stream consumer (lambdas/services/webhook-events.ts) and the delivery worker (lambdas/services/webhook-delivery.ts): a missing or unverified delivery points at them or at the signing',
    });
  }
  const asymmetric = Object.values(warm.asymmetric_crypto_ops).reduce((sum, n) => sum + n, 0);
  list.push({
    budget: 'asymmetric crypto operations on the warm job path = 0',
    measured: `${asymmetric}${asymmetric === 0 ? '' : ` (${tallyText(warm.asymmetric_crypto_ops)})`} over ${warm.requests} requests`,
    ok: asymmetric === 0,
    ifMissed:
      'the job path must not sign, verify or agree keys per request: verified transport-key records are remembered (KeyDirectory), and envelopes are checked, never opened',
  });
  return list;
}

/** Problems with the measurement itself: a budget of 0 measured by a counter that saw nothing proves nothing. */
function validity(results: BenchResults): string[] {
  const problems: string[] = [];
  const warm = results.job_path.warm_path;
  if (warm.accepted_jobs < 1) problems.push('the warm path accepted no job');
  if ((warm.calls_by_service.DynamoDB ?? 0) === 0) problems.push('the AWS call counter saw no DynamoDB call on the warm path');
  const canary = results.job_path.instrument_check?.asymmetric_crypto_ops ?? {};
  if ((canary['noble x25519.getSharedSecret'] ?? 0) === 0 || (canary['node:crypto diffieHellman'] ?? 0) === 0) {
    problems.push(`the asymmetric crypto counter missed its own check operations (saw: ${tallyText(canary)})`);
  }
  if (results.bundles.length === 0) problems.push('no Lambda bundle was measured');
  for (const contention of ['emulator', 'aws-conflicts'] as const) {
    if (!results.job_path.contention_ratios.some((ratio) => ratio.contention === contention && ratio.mode === 'in-process')) {
      problems.push(`no in-process throughput rows under contention ${contention}`);
    }
  }
  for (const row of results.job_path.throughput) {
    if (row.accepted === 0)
      problems.push(`the ${row.contention} ${row.mode} row (${row.customers} customers, ${row.nodes} nodes) accepted no job`);
  }
  return problems;
}

function staleness(results: BenchResults): string | undefined {
  let head: string | undefined;
  try {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString('utf8')
      .trim();
  } catch {
    return undefined;
  }
  if (results.git.commit !== null && results.git.commit !== head) {
    return `note: measured at commit ${results.git.commit.slice(0, 12)}, HEAD is now ${head.slice(0, 12)}; \`npm run bench:check -- --fresh\` measures again`;
  }
  return undefined;
}

const results = load();
const machine = results.machine;
console.log(
  `Budgets (issues 6, 11 and 13), checked against ${latestPath}\n` +
    `measured ${results.date} on ${machine.cpu}, ${machine.cores} cores, Node.js ${machine.node}` +
    (results.git.commit === null
      ? ''
      : `, commit ${results.git.commit.slice(0, 12)}${results.git.uncommitted_changes ? ' with uncommitted changes' : ''}`) +
    '\n',
);
const stale = staleness(results);
if (stale !== undefined) console.log(`${stale}\n`);

const list = checks(results);
console.log('| budget | measured | ok |');
console.log('|---|---|---|');
for (const check of list) console.log(`| ${check.budget} | ${check.measured} | ${check.ok ? 'ok' : '**MISSED**'} |`);
console.log('');

const invalid = validity(results);
const missed = list.filter((check) => !check.ok);
for (const check of missed) console.error(`MISSED: ${check.budget}: measured ${check.measured}. ${check.ifMissed}.`);
for (const problem of invalid) console.error(`INVALID MEASUREMENT: ${problem}; run \`npm run bench\` again and look at bench/lib.`);
if (invalid.length > 0) process.exit(2);
if (missed.length > 0) {
  console.error(`\n${missed.length} of ${list.length} budgets missed`);
  process.exit(1);
}
console.log(`all ${list.length} budgets met`);
