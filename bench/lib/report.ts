/** The markdown tables `npm run bench` prints. */
import type { TransportRow } from '../transport.js';
import { transportTable } from '../transport.js';
import type { Tally } from './aws-calls.js';
import type { ProxyOverheadResult } from './proxy-overhead.js';
import type { BenchResults } from './results.js';
import type { LatencySummary } from './stats.js';
import type { WebhookLatencyResult } from './webhook-latency.js';

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} ms` : '—');
const tallyText = (tally: Tally) =>
  Object.keys(tally).length === 0
    ? 'none'
    : Object.entries(tally)
        .map(([key, count]) => `${key} ×${count}`)
        .join(', ');

function machineLine(results: Pick<BenchResults, 'machine' | 'date' | 'git'>): string {
  const { machine } = results;
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB · Node.js ${machine.node} (OpenSSL ${machine.openssl}) · ` +
    `${machine.platform} ${machine.os_release} · ${results.date}` +
    (results.git.commit === null
      ? ''
      : ` · commit ${results.git.commit.slice(0, 12)}${results.git.uncommitted_changes ? ' + uncommitted changes' : ''}`)
  );
}

function report(results: BenchResults): string {
  const { job_path: jobPath } = results;
  const warm = jobPath.warm_path;
  const lines: string[] = [];
  lines.push(`Machine: ${machineLine(results)}`);
  lines.push(
    `Emulator: ${results.setup.emulator}, stage \`${results.setup.stage}\` (start ${results.setup.emulator_start_s} s, deploy ${results.setup.deploy_s} s); whole run ${results.total_s} s.`,
  );
  lines.push('');
  lines.push('### Accepted-job submit latency (warm, sequential)');
  lines.push('');
  lines.push('| path | n | warm-up discarded | mean | p50 | p99 | min | max | not accepted |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const row of jobPath.latency) {
    const path = row.path === 'http' ? 'HTTP: API Gateway → bundled Lambda (emulator)' : 'in-process: `customer-jobs` handler';
    lines.push(
      `| ${path} | ${row.n} | ${row.warmup} | ${ms(row.mean_ms)} | ${ms(row.p50_ms)} | ${ms(row.p99_ms)} | ${ms(row.min_ms)} | ${ms(row.max_ms)} | ${tallyText(row.not_accepted)} |`,
    );
  }
  lines.push('');
  lines.push('### Throughput (accepted jobs/s; each client submits back to back)');
  lines.push('');
  lines.push(
    '| contention | path | customers | nodes | clients | accepted | jobs/s | p50 | p99 | transaction attempts per job | not accepted |',
  );
  lines.push('|---|---|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const row of jobPath.throughput) {
    lines.push(
      `| ${row.contention} | ${row.mode} | ${row.customers === 'one' ? 'one (contended)' : 'distinct'} | ${row.nodes} | ${row.clients} | ${row.accepted} | ` +
        `${row.accepted_per_s.toFixed(1)} | ${ms(row.latency_p50_ms)} | ${ms(row.latency_p99_ms)} | ${row.transaction_attempts_per_accepted?.toFixed(2) ?? '—'} | ${tallyText(row.not_accepted)} |`,
    );
  }
  lines.push('');
  lines.push('### Hot keys: ratios within one run (targets: ≥ 0.8, p99 ≤ 2, attempts ≤ 1.3, refusals only `429 rate_limited`)');
  lines.push('');
  lines.push('Each ratio divides a row by the baseline of the same run: 32 distinct customers on 32 nodes.');
  lines.push('');
  lines.push(
    '| contention | path | one customer, jobs/s | one customer, p99 | one node, jobs/s | one customer on one node, jobs/s | max attempts per job | refusals |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---|');
  for (const ratio of jobPath.contention_ratios) {
    lines.push(
      `| ${ratio.contention} | ${ratio.mode} | ${ratio.one_customer_throughput_ratio.toFixed(2)} | ${ratio.one_customer_p99_ratio.toFixed(2)} | ` +
        `${ratio.one_node_throughput_ratio.toFixed(2)} | ${ratio.one_customer_one_node_throughput_ratio.toFixed(2)} | ` +
        `${ratio.max_transaction_attempts_per_accepted?.toFixed(2) ?? '—'} | ${tallyText(ratio.refusals)} |`,
    );
  }
  lines.push('');
  lines.push(`### AWS calls per accepted job, warm path (in-process, ${warm.accepted_jobs} accepted jobs after the first request)`);
  lines.push('');
  lines.push('| service:operation | calls | per accepted job | HTTP attempts |');
  lines.push('|---|---:|---:|---:|');
  for (const [operation, calls] of Object.entries(warm.calls_by_operation)) {
    lines.push(
      `| ${operation} | ${calls} | ${(calls / Math.max(1, warm.accepted_jobs)).toFixed(2)} | ${warm.http_attempts_by_operation[operation] ?? 0} |`,
    );
  }
  lines.push(`| total | ${warm.calls_total} | ${warm.calls_per_accepted_job_with_refreshes.toFixed(2)} | |`);
  lines.push(
    `| **with the submit cache warm** (all but its ${warm.cache_refresh_reads} refresh reads) | | **${warm.calls_per_accepted_job.toFixed(2)}** | |`,
  );
  lines.push('');
  lines.push(
    `${warm.customers} customers cycled over ${warm.duration_s} s; the submit cache reads a customer and its node again at most once a second (BatchGetItem above).`,
  );
  lines.push('');
  lines.push(
    `First request of a cold container (not in the figures above; ${ms(jobPath.first_request.latency_ms)}): ${tallyText(jobPath.first_request.calls_by_operation)}.`,
  );
  lines.push(
    `Asymmetric crypto: first request ${tallyText(jobPath.first_request.asymmetric_crypto_ops)}; ` +
      `warm path (${warm.requests} requests) ${tallyText(warm.asymmetric_crypto_ops)}.`,
  );
  lines.push('');
  lines.push('### Lambda bundles (`cdk synth`, minified ESM with the AWS SDK)');
  lines.push('');
  lines.push('| function | handler | index.mjs | cold import, median (min–max) | process start → imported, median |');
  lines.push('|---|---|---:|---:|---:|');
  for (const bundle of results.bundles) {
    lines.push(
      `| ${bundle.function} | ${bundle.handler} | ${bundle.kib.toFixed(1)} KiB | ${bundle.cold_import_ms.median.toFixed(1)} ms ` +
        `(${bundle.cold_import_ms.min.toFixed(1)}–${bundle.cold_import_ms.max.toFixed(1)}), ${bundle.cold_import_ms.runs.length} runs | ${bundle.process_ready_ms.toFixed(1)} ms |`,
    );
  }
  lines.push('');
  if (results.proxy_overhead !== undefined) lines.push(...proxyOverheadTable(results.proxy_overhead), '');
  if (results.webhook_latency !== undefined) lines.push(...webhookLatencyTable(results.webhook_latency), '');
  lines.push('### Envelope seal/open (`b3iq-private-transport-v1`, request direction, medians)');
  lines.push('');
  lines.push(transportTable(results.transport as TransportRow[]));
  return lines.join('\n');
}

/** The `b3iq proxy` rows: the same completion direct and through the proxy, and their ratio. */
function proxyOverheadTable(overhead: ProxyOverheadResult): string[] {
  const row = (path: string, summary: ProxyOverheadResult['direct']) =>
    `| ${path} | ${summary.n} | ${ms(summary.mean_ms)} | ${ms(summary.p50_ms)} | ${ms(summary.p99_ms)} | ${ms(summary.min_ms)} | ${ms(summary.max_ms)} |`;
  return [
    `### \`b3iq proxy\` over a direct SDK call (one node, the reference agent's echo backend, ${overhead.prompt_chars}-character prompt, sequential, taking turns)`,
    '',
    '| path | n | mean | p50 | p99 | min | max |',
    '|---|---:|---:|---:|---:|---:|---:|',
    row('direct: `submitJob` → `waitForJob` → `openAnswer`', overhead.direct),
    row('`b3iq proxy`: OpenAI `POST /v1/chat/completions` on 127.0.0.1', overhead.proxy),
    `| **proxy ÷ direct** | | | **${overhead.p50_ratio.toFixed(2)} ×** | ${overhead.p99_ratio.toFixed(2)} × | | |`,
    row('the proxy alone: its hop and shapes around a stand-in client that answers at once', overhead.hop),
    '',
    'A completion takes a few polls of the job, so the end-to-end figures move with where each answer falls in the poll schedule; the last row is what the proxy itself adds.',
    `p50 overhead ${ms(overhead.p50_overhead_ms)}; both wait alike (reads of the job every ${overhead.wait.intervalMs} ms, up to ${overhead.wait.maxIntervalMs} ms apart), ${overhead.warmup} warm-up calls each discarded.`,
  ];
}

/** The webhook rows: delivery latency after settlement, and settlement with and without an endpoint. */
function webhookLatencyTable(latency: WebhookLatencyResult): string[] {
  const row = (what: string, summary: LatencySummary) =>
    `| ${what} | ${summary.n} | ${ms(summary.mean_ms)} | ${ms(summary.p50_ms)} | ${ms(summary.p99_ms)} | ${ms(summary.min_ms)} | ${ms(summary.max_ms)} |`;
  const { settlement } = latency;
  return [
    '### Webhook delivery after settlement (one echo node, a customer with a `job.completed` endpoint on 127.0.0.1 and one without, sequential, taking turns)',
    '',
    '| measured | n | mean | p50 | p99 | min | max |',
    '|---|---:|---:|---:|---:|---:|---:|',
    row('delivery: arrival at the receiver − `data.completed_at`', latency.delivery),
    row("settlement: the node's result POST, customer with an endpoint", settlement.with_endpoint),
    row("settlement: the node's result POST, customer without", settlement.without_endpoint),
    `| **settlement with ÷ without** | | | **${settlement.p50_ratio.toFixed(2)} ×** | ${settlement.p99_ratio.toFixed(2)} × | | |`,
    '',
    `Deliveries: ${latency.delivery.n} of ${latency.n} jobs delivered and verified, ${latency.attempts} POSTs (${latency.duplicates} duplicates), ` +
      `${latency.missing} missing, ${latency.unverified} refused as unverified; ${settlement.result_post_attempts} result POSTs for ${2 * latency.n} jobs; ${latency.warmup} warm-up jobs each discarded.`,
    "The path: the table stream → `webhook-events` → the delivery queue → `webhook-delivery` → POST. `completed_at` is read by the node-api Lambda just before the settling transaction, on this machine's clock. Each delivery is awaited before the next job, so no settlement is timed with a delivery in flight.",
  ];
}

export { machineLine, proxyOverheadTable, report, webhookLatencyTable };
