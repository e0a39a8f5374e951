/** The shape of `bench/results/latest.json`, written by `npm run bench` and read by `npm run bench:check`. */
import type { TransportRow } from '../transport.js';
import type { BundleResult } from './bundles.js';
import type { JobPathResults } from './job-path.js';
import type { ProxyOverheadResult } from './proxy-overhead.js';
import type { WebhookLatencyResult } from './webhook-latency.js';

/** v2: throughput rows carry `contention` and `nodes`; `job_path.contention_ratios` (issue 11); optional `proxy_overhead` and `webhook_latency` (issue 13). */
const RESULTS_SCHEMA = 'b3iq-bench-v2';
const LATEST = new URL('../results/latest.json', import.meta.url);

interface Machine {
  cpu: string;
  cores: number;
  memory_gib: number;
  node: string;
  openssl: string;
  platform: string;
  os_release: string;
}

interface BenchResults {
  schema: typeof RESULTS_SCHEMA;
  date: string;
  git: { commit: string | null; uncommitted_changes: boolean | null };
  machine: Machine;
  setup: {
    stage: string;
    emulator: string;
    emulator_start_s: number;
    deploy_s: number;
    synth_s: number;
    in_process_env: Record<string, string>;
    notes: string[];
  };
  job_path: JobPathResults;
  bundles: BundleResult[];
  transport: TransportRow[];
  /** `b3iq proxy` over a direct SDK call (issue 13); absent from runs made before it. */
  proxy_overhead?: ProxyOverheadResult;
  /** Webhook delivery latency after settlement and settlement with ÷ without endpoints (issue 13); absent from runs made before it. */
  webhook_latency?: WebhookLatencyResult;
  total_s: number;
}

export type { BenchResults, Machine };
export { LATEST, RESULTS_SCHEMA };
