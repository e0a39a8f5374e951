/**
 * `npm run bench`: the control plane's speed, measured on this machine.
 *
 * 1. starts `cdk synth` (for the bundles) and a fresh ministack emulator, deploys the stack to it as
 *    stage `perf` (never `dev` or `test`), sets an admin token;
 * 2. makes 32 customers and 32 nodes through the admin handler in-process, then measures the job path
 *    in-process (the `customer-jobs` handler with the stack's Lambda environment) and over HTTP (the
 *    deployed API Gateway and bundled Lambda on the emulator), counting AWS calls with an SDK
 *    middleware and asymmetric crypto operations; its throughput rows run first under the emulator's
 *    contention rules, then under DynamoDB's (`aws-conflicts`: the in-process clients and the deployed
 *    functions sent through the conflict front, with DynamoDB's published latency);
 * 3. stops the emulator, then times cold imports of each bundle and envelope seal/open on a quiet
 *    machine;
 * 4. prints markdown tables and writes `bench/results/latest.json` (read by `npm run bench:check`).
 *
 * Everything it starts (emulator and its Lambda processes, cdk) is stopped at the end, on error,
 * and on SIGINT/SIGTERM. Options: --quick (shorter runs, for trying the bench itself); --only proxy
 * (only `b3iq proxy` over a direct SDK call: emulator, deploy, those rows; printed and written to
 * `bench/results/proxy-overhead.json`, leaving latest.json as it was); --only webhooks (likewise,
 * only webhook delivery latency after settlement, to `bench/results/webhook-latency.json`).
 *
 * The counters must be installed before the code under test is imported, so this module imports
 * the handlers (and everything that imports noble) dynamically.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Contention } from '../scripts/local/aws-conflicts.js';
import { deployStack, lambdaEnv } from '../scripts/local/deploy.js';
import { type ConflictFront, startConflictFront } from '../scripts/local/dynamodb-conflict-front.js';
import { type Emulator, startEmulator } from '../scripts/local/emulator.js';
import { PROJECT_ROOT } from '../scripts/local/paths.js';
import { installAsymmetricCryptoCounter } from './lib/asymmetric-crypto.js';
import { installAwsCallCounter } from './lib/aws-calls.js';
import { bundlesOf, extraAssetFiles, measureColdImports, type Synth, startSynth } from './lib/bundles.js';
import { configureDeployedFunctions, deployedFunctionVariables } from './lib/deployed-functions.js';
import { installDynamoDbRouter, routeDynamoDb } from './lib/dynamodb-route.js';
import { type BenchResults, LATEST, type Machine, RESULTS_SCHEMA } from './lib/results.js';
import { round } from './lib/stats.js';

installAwsCallCounter();
installAsymmetricCryptoCounter();
installDynamoDbRouter();

const STAGE = 'perf'; // at most 4 characters (node queue prefix b3iq-<stage>-n-); distinct from dev and test
const STACK_NAME = `B3iqPrivateInference-${STAGE}`;
const EMULATOR = 'ministack 1.5.33 (local Lambda executor)';
const QUICK = process.argv.includes('--quick');
const SETTINGS = QUICK
  ? { warmRequests: 50, httpRequests: 20, throughputSeconds: 1, importRuns: 3, proxyCalls: 10, webhookJobs: 10 }
  : { warmRequests: 200, httpRequests: 100, throughputSeconds: 3, importRuns: 7, proxyCalls: 30, webhookJobs: 30 };
/** `--only` rows: the file each writes instead of latest.json. */
const ONLY_RESULTS = {
  proxy: new URL('./results/proxy-overhead.json', import.meta.url),
  webhooks: new URL('./results/webhook-latency.json', import.meta.url),
} as const;
type Only = keyof typeof ONLY_RESULTS;
const onlyArgument = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (onlyArgument !== undefined && !Object.hasOwn(ONLY_RESULTS, onlyArgument)) {
  process.stderr.write(`[bench] --only takes: ${Object.keys(ONLY_RESULTS).join(', ')} (got ${String(onlyArgument)})\n`);
  process.exit(2);
}
const ONLY = onlyArgument as Only | undefined;
/** The conflict front's latency draws are seeded, so two runs wait the same latencies in the same order. */
const FRONT_SEED = 11;

/**
 * The in-process handler's environment beyond the stack's: logs and metrics off (they would flood
 * the table output; on Lambda they are a few stdout lines), and the per-customer rate limit (a
 * token bucket per Lambda instance, 100/s by default) lifted so that the one-customer throughput
 * measures the account's contention, not the limiter. The deployed functions get the same lift before
 * the throughput rows, so that a `429 rate_limited` there is the contention's too.
 */
const IN_PROCESS_ENV = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  CUSTOMER_RATE_LIMIT_PER_SECOND: '1000000',
  CUSTOMER_RATE_LIMIT_BURST: '1000000',
};

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// --- clean-up: everything started here ends, whatever happens ------------------------------------

let emulator: Emulator | undefined;
let front: ConflictFront | undefined;
let synth: Synth | undefined;
let cleaning: Promise<void> | undefined;
let interrupted = false;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    synth?.dispose();
    await emulator?.stop();
    await front?.stop();
  })();
  return cleaning;
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  // `on`, not `once`: a terminal's Ctrl+C reaches this process both directly and relayed by tsx,
  // and a second signal must not end the process before the emulator is stopped.
  process.on(signal, () => {
    if (!interrupted) log(`${signal}: stopping the emulator and everything the bench started`);
    interrupted = true;
    void cleanUp().finally(() => process.exit(code));
  });
}

// --- the run ------------------------------------------------------------------------------------

function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memory_gib: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    platform: `${process.platform} ${process.arch}`,
    os_release: release(),
  };
}

/** The commit measured, read only (no git command here changes anything). */
function gitState(): BenchResults['git'] {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString('utf8')
      .trim();
  let commit: string | null = null;
  try {
    commit = git(['rev-parse', 'HEAD']);
  } catch {
    return { commit: null, uncommitted_changes: null };
  }
  try {
    // What the measured code is made of: the Lambdas bundle the workspaces' sources (packages/*/src,
    // through the b3iq-source condition), and the transport rows time packages/protocol.
    git(['diff', '--quiet', 'HEAD', '--', 'lambdas', 'packages', 'lib', 'bin', 'cdk.json', 'package.json', 'package-lock.json']);
    return { commit, uncommitted_changes: false };
  } catch {
    return { commit, uncommitted_changes: true };
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  if (!process.version.startsWith('v24.')) {
    log(`warning: running on Node.js ${process.version}; \`npm run bench\` runs the project's Node.js 24 (the Lambda runtime)`);
  }
  const seconds = (since: number) => round((performance.now() - since) / 1000, 1);

  if (ONLY === undefined) {
    log(`cdk synth (stage ${STAGE}, for the bundles) and the emulator start together`);
    synth = startSynth(STAGE, {});
  }
  let mark = performance.now();
  emulator = await startEmulator({ log });
  const emulatorStart = seconds(mark);
  mark = performance.now();
  const deployed = await deployStack(emulator.env, { stage: STAGE, log });
  const deploySeconds = seconds(mark);
  log(`deployed ${deployed.stackName} in ${deploySeconds} s; API ${deployed.apiUrl}`);
  // Imported only now: the seed module loads node keys (noble), which the crypto counters must see first.
  const { setAdminToken } = await import('../scripts/local/seed.js');
  const adminToken = await setAdminToken(emulator.env, deployed.outputs.AdminTokenSecretArn);

  // The handlers in this process get the environment the stack gives its Lambdas.
  const functionEnv = { ...emulator.env, ...lambdaEnv(deployed.outputs) };
  Object.assign(process.env, functionEnv, IN_PROCESS_ENV);
  // Imported only now, as the job path's modules are (the counters must see the handlers' first imports).
  const { measureProxyOverhead } = await import('./lib/proxy-overhead.js');
  const { measureWebhookLatency } = await import('./lib/webhook-latency.js');
  const proxyRows = () => measureProxyOverhead({ apiUrl: deployed.apiUrl, adminToken, log, calls: SETTINGS.proxyCalls });
  const webhookRows = () => measureWebhookLatency({ apiUrl: deployed.apiUrl, adminToken, log, jobs: SETTINGS.webhookJobs });
  if (ONLY !== undefined) {
    const { machineLine, proxyOverheadTable, webhookLatencyTable } = await import('./lib/report.js');
    const partial = { schema: RESULTS_SCHEMA, date: new Date().toISOString(), git: gitState(), machine: machine() };
    let rows: { proxy_overhead: unknown } | { webhook_latency: unknown };
    let table: string[];
    if (ONLY === 'proxy') {
      const proxyOverhead = await proxyRows();
      rows = { proxy_overhead: proxyOverhead };
      table = proxyOverheadTable(proxyOverhead);
    } else {
      const webhookLatency = await webhookRows();
      rows = { webhook_latency: webhookLatency };
      table = webhookLatencyTable(webhookLatency);
    }
    writeFileSync(ONLY_RESULTS[ONLY], `${JSON.stringify({ ...partial, ...rows, total_s: seconds(started) }, null, 2)}\n`);
    console.log(`Machine: ${machineLine(partial)}\n\n${table.join('\n')}`);
    console.log(`\nwrote ${fileURLToPath(ONLY_RESULTS[ONLY])} (latest.json is left as it was)`);
    return;
  }
  const { measureJobPath } = await import('./lib/job-path.js');
  const stackEnv = emulator.env;
  // Read before the rows change them: a cold import gets the variables the stack deployed (the emulator's
  // addresses in them do not matter once it is stopped; nothing is called at import).
  const importEnv = { ...functionEnv, ...(await deployedFunctionVariables(stackEnv, deployed.outputs.TableName)) };
  const conflictFront = await startConflictFront({ upstream: emulator.endpoint, latency: 'aws', seed: FRONT_SEED });
  front = conflictFront;
  const setContention = async (contention: Contention) => {
    const frontUrl = contention === 'aws-conflicts' ? conflictFront.url : undefined;
    routeDynamoDb(frontUrl);
    const changed = await configureDeployedFunctions(stackEnv, deployed.outputs.TableName, {
      AWS_ENDPOINT_URL_DYNAMODB: frontUrl,
      CUSTOMER_RATE_LIMIT_PER_SECOND: IN_PROCESS_ENV.CUSTOMER_RATE_LIMIT_PER_SECOND,
      CUSTOMER_RATE_LIMIT_BURST: IN_PROCESS_ENV.CUSTOMER_RATE_LIMIT_BURST,
    });
    log(
      `contention: ${contention} (in-process clients and ${changed} deployed functions${frontUrl === undefined ? '' : ` through the front at ${frontUrl}`})`,
    );
  };
  const jobPath = await measureJobPath({ apiUrl: deployed.apiUrl, adminToken, log, front: conflictFront, setContention, ...SETTINGS });
  // The proxy and webhook rows run under the emulator's own rules: the deployed functions leave the conflict front.
  await setContention('emulator');
  routeDynamoDb(undefined);
  const proxyOverhead = await proxyRows();
  const webhookLatency = await webhookRows();

  log('stopping the emulator and the conflict front');
  await emulator.stop();
  emulator = undefined;
  await conflictFront.stop();
  front = undefined;

  if (synth === undefined) throw new Error('cdk synth was not started');
  const synthesized = await synth.done;
  log(`cdk synth took ${synthesized.seconds} s (alongside the emulator); timing cold imports, ${SETTINGS.importRuns} runs a bundle`);
  const bundles = bundlesOf(synthesized.outDir, STACK_NAME);
  const extras = extraAssetFiles(bundles);
  if (extras.length > 0) log(`note: asset files besides index.mjs: ${extras.join(', ')}`);
  const bundleResults = await measureColdImports(bundles, importEnv, SETTINGS.importRuns);
  synth.dispose();
  synth = undefined;

  log('envelope seal/open, noble and node:crypto');
  const { measureTransport } = await import('./transport.js');
  const transport = measureTransport();

  const results: BenchResults = {
    schema: RESULTS_SCHEMA,
    date: new Date().toISOString(),
    git: gitState(),
    machine: machine(),
    setup: {
      stage: STAGE,
      emulator: EMULATOR,
      emulator_start_s: emulatorStart,
      deploy_s: deploySeconds,
      synth_s: synthesized.seconds,
      in_process_env: IN_PROCESS_ENV,
      notes: [
        "in-process: the customer-jobs handler in this process, with the deployed stack's Lambda environment, against the emulator's DynamoDB, SQS and KMS; one process serves all concurrent clients (a Lambda instance serves one request at a time)",
        'http: the deployed API Gateway and bundled Lambda on ministack (Lambdas run as local Node.js processes); for the throughput rows the per-customer limit is lifted on the deployed functions too (UpdateFunctionConfiguration), so every refusal there is contention',
        'contention: emulator = ministack alone (transactions one at a time, never a TransactionConflict); aws-conflicts = every DynamoDB call of the bench process and of the deployed functions through the conflict front (scripts/local/dynamodb-conflict-front.ts: DynamoDB transaction conflict rules, published DynamoDB latency, seed 11)',
        'throughput: 32 clients; rows distinct customers on one node, one customer on one node, 32 customers on 32 nodes; each one-node row on a new node (ministack FIFO sends slow down as a queue fills); contention_ratios compare rows of the same run',
        'the DynamoDB stream runs the CommandRelay Lambda on the emulator for every accepted job, on the same 2 cores',
        'bodies: 64 envelopes sealed before timing (about 1 KiB of plaintext), reused across jobs with server-made job ids',
        'AWS calls: counted by SDK middleware on every DynamoDB, SQS, KMS and Secrets Manager client in the bench process',
        "webhooks: delivery latency = first arrival at the bench's receiver on 127.0.0.1 − data.completed_at of the verified payload (written by the node-api Lambda in the settling transaction, its clock read just before it; both on this machine's clock); settlement = the reference agent's result POST, timed through the fetch it is given",
        ...(QUICK ? ['--quick: shortened runs'] : []),
      ],
    },
    job_path: jobPath,
    bundles: bundleResults,
    transport,
    proxy_overhead: proxyOverhead,
    webhook_latency: webhookLatency,
    total_s: seconds(started),
  };
  mkdirSync(new URL('.', LATEST), { recursive: true });
  writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);

  const { report } = await import('./lib/report.js');
  console.log(report(results));
  console.log(`\nwrote ${fileURLToPath(LATEST)}; check the budgets with \`npm run bench:check\``);
}

try {
  await main();
} catch (error) {
  if (!interrupted) log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
// SDK clients and fetch keep sockets open; nothing is left to wait for.
process.exit(process.exitCode ?? 0);
