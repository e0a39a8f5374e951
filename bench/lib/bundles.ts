/**
 * The Lambda bundles as `cdk synth` makes them (the same esbuild bundling `cdk deploy` does): the
 * size of each function's `index.mjs`, and its cold import time in a fresh Node.js process with the
 * Lambda's environment set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NODE_BIN, PROJECT_ROOT } from '../../scripts/local/paths.js';
import { median, round } from './stats.js';

interface Synth {
  /** Resolves to the cloud assembly directory once `cdk synth` has finished. */
  done: Promise<{ outDir: string; seconds: number }>;
  /** Stops a synth still running and removes its output. */
  dispose(): void;
}

interface BundleInfo {
  /** The construct id in the stack, e.g. `CustomerJobsFunction`. */
  function: string;
  /** The entry in lambdas/handlers/, e.g. `customer-jobs`. */
  handler: string;
  asset: string;
  bytes: number;
  kib: number;
}

interface BundleResult extends BundleInfo {
  cold_import_ms: { median: number; min: number; max: number; runs: number[] };
  /** Median time from process start until the import finished (Node.js start-up included). */
  process_ready_ms: number;
}

/** Functions whose kebab-case name differs from their handler file. */
const HANDLER_ALIASES: Record<string, string> = {
  DeadLetterConsumerFunction: 'dead-letters',
  WebhooksEventsFunction: 'webhook-events',
  WebhooksDeliveryFunction: 'webhook-delivery',
};

/**
 * A function's name as its logical id begins, from its construct path: `Stack/CustomerJobsFunction/Function/Resource`
 * is `CustomerJobsFunction`, `Stack/Webhooks/EventsFunction/Function/Resource` is `WebhooksEventsFunction`.
 */
function functionName(constructPath: string): string {
  const segments = constructPath.split('/');
  return segments.slice(1, -2).join('') || constructPath;
}

function handlerName(constructId: string): string {
  if (HANDLER_ALIASES[constructId] !== undefined) return HANDLER_ALIASES[constructId];
  const kebab = constructId
    .replace(/Function$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return existsSync(path.join(PROJECT_ROOT, 'lambdas', 'handlers', `${kebab}.ts`)) ? kebab : constructId;
}

/** Starts `cdk synth` of the stage into a temporary directory. */
function startSynth(stage: string, env: Record<string, string>): Synth {
  const outDir = mkdtempSync(path.join(tmpdir(), 'b3iq-bench-synth-'));
  const started = performance.now();
  let child: ChildProcess | undefined;
  const done = new Promise<{ outDir: string; seconds: number }>((resolve, reject) => {
    child = spawn(path.join(NODE_BIN, 'cdk'), ['synth', '--quiet', '--no-notices', '--context', `stage=${stage}`, '--output', outDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ outDir, seconds: round((performance.now() - started) / 1000, 1) });
      else reject(new Error(`cdk synth exited with ${code}\n${output.slice(-4000)}`));
    });
  });
  done.catch(() => {}); // awaited later; do not let an early failure crash the process unhandled
  return {
    done,
    dispose: () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** Every Lambda function of the stack's template, with its asset's `index.mjs`. */
function bundlesOf(outDir: string, stackName: string): BundleInfo[] {
  const template = JSON.parse(readFileSync(path.join(outDir, `${stackName}.template.json`), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const bundles: BundleInfo[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const asset = resource.Metadata?.['aws:asset:path'];
    const constructPath = resource.Metadata?.['aws:cdk:path'] ?? '';
    if (asset === undefined) continue;
    const file = path.join(outDir, asset, 'index.mjs');
    if (!existsSync(file)) continue;
    const constructId = functionName(constructPath);
    const bytes = statSync(file).size;
    bundles.push({
      function: constructId,
      handler: handlerName(constructId),
      asset: path.join(outDir, asset),
      bytes,
      kib: round(bytes / 1024, 1),
    });
  }
  if (bundles.length === 0) throw new Error(`no Lambda bundle (index.mjs) found in ${outDir}`);
  return bundles.sort((a, b) => a.function.localeCompare(b.function));
}

const IMPORT_PROBE = `
const start = performance.now();
await import(process.env.B3IQ_BENCH_BUNDLE_URL);
const end = performance.now();
process.stdout.write(JSON.stringify({ import_ms: end - start, ready_ms: end }));
`;

async function importOnce(file: string, env: Record<string, string>): Promise<{ import_ms: number; ready_ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(NODE_BIN, 'node'), ['--input-type=module', '--eval', IMPORT_PROBE], {
      cwd: path.dirname(file),
      // Only what a Lambda would have: its environment, not this process's loaders or npm settings.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, B3IQ_BENCH_BUNDLE_URL: pathToFileURL(file).href },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`importing ${file} exited with ${code}: ${errors.slice(-2000)}`));
      try {
        resolve(JSON.parse(output.slice(output.lastIndexOf('{"import_ms"'))) as { import_ms: number; ready_ms: number });
      } catch {
        reject(new Error(`importing ${file} printed no timing: ${output.slice(-500)} ${errors.slice(-500)}`));
      }
    });
  });
}

/** Cold import of each bundle, `runs` fresh processes each, interleaved so that noise spreads evenly. */
async function measureColdImports(bundles: BundleInfo[], env: Record<string, string>, runs: number): Promise<BundleResult[]> {
  const samples = new Map<BundleInfo, { import_ms: number; ready_ms: number }[]>(bundles.map((bundle) => [bundle, []]));
  for (const bundle of bundles) await importOnce(path.join(bundle.asset, 'index.mjs'), env); // page cache warm
  for (let run = 0; run < runs; run += 1) {
    for (const bundle of bundles) samples.get(bundle)!.push(await importOnce(path.join(bundle.asset, 'index.mjs'), env));
  }
  return bundles.map((bundle) => {
    const imports = samples.get(bundle)!.map((sample) => sample.import_ms);
    return {
      ...bundle,
      asset: path.basename(bundle.asset),
      cold_import_ms: {
        median: round(median(imports), 1),
        min: round(Math.min(...imports), 1),
        max: round(Math.max(...imports), 1),
        runs: imports.map((value) => round(value, 1)),
      },
      process_ready_ms: round(median(samples.get(bundle)!.map((sample) => sample.ready_ms)), 1),
    };
  });
}

/** The asset directories' contents besides index.mjs (none expected). */
function extraAssetFiles(bundles: BundleInfo[]): string[] {
  return bundles.flatMap((bundle) =>
    readdirSync(bundle.asset)
      .filter((name) => name !== 'index.mjs')
      .map((name) => `${path.basename(bundle.asset)}/${name}`),
  );
}

export type { BundleInfo, BundleResult, Synth };
export { bundlesOf, extraAssetFiles, functionName, handlerName, measureColdImports, startSynth };
