/**
 * `npm run cfn-lint`: cfn-lint (PyPI, pinned) over the CloudFormation templates `cdk synth` writes,
 * for the dev stage and for a data-protecting stage (prod: retained resources, deletion
 * protection). cfn-lint is installed into `.cache/cfn-lint-venv` on first use. Any finding fails:
 * an error, and a warning too, since each warning rule is decided once, fixed or ignored in
 * `.cfnlintrc` with its reason. Runs offline; bundling uses the local esbuild, no Docker.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, NODE_BIN, PROJECT_ROOT } from './local/paths.js';
import { installPythonTool } from './local/python-tool.js';
import { run } from './local/run.js';

/** cfn-lint and what it pulls in, all pinned: a new release of a dependency cannot change the gate by itself. */
const PACKAGES = [
  'cfn-lint==1.58.0',
  'jsonpatch==1.48',
  'jsonpointer==3.12',
  'mpmath==1.3.0',
  'networkx==3.6.1',
  'PyYAML==6.0.4',
  'regex==2026.11.19',
  'sympy==1.14.0',
  'typing_extensions==4.16.0',
];
const STAGES = ['dev', 'prod'];
const OUT_DIR = path.join(CACHE_DIR, 'cfn-lint');

const log = (line: string) => process.stderr.write(`[cfn-lint] ${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Synthesizes one stage into its own cloud assembly; answers the templates in it. */
async function synthesize(stage: string): Promise<string[]> {
  const outdir = path.join(OUT_DIR, stage);
  rmSync(outdir, { recursive: true, force: true });
  await run(path.join(NODE_BIN, 'cdk'), ['synth', '--quiet', '-c', `stage=${stage}`, '-o', outdir], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  const templates = readdirSync(outdir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => path.join(outdir, name));
  if (templates.length === 0) throw new Error(`cdk synth -c stage=${stage} wrote no template into ${outdir}`);
  return templates;
}

/** cfn-lint with `.cfnlintrc` from the project root; its exit code is a bit mask (2 error, 4 warning, 8 informational). */
async function lint(bin: string, templates: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(bin, 'cfn-lint'), [...templates.map((t) => path.relative(PROJECT_ROOT, t))], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const bin = await installPythonTool('cfn-lint-venv', PACKAGES, log);
  const synthStarted = performance.now();
  // Side by side: each synthesis is one mostly single-threaded Node process.
  const templates = (await Promise.all(STAGES.map(synthesize))).flat();
  log(`synthesized stages ${STAGES.join(', ')} in ${seconds(synthStarted)}`);
  const lintStarted = performance.now();
  const code = await lint(bin, templates);
  log(`${PACKAGES[0]} on ${templates.length} templates in ${seconds(lintStarted)} (${seconds(started)} in all)`);
  if (code !== 0) {
    log(`failed (exit ${code}): fix each finding, or ignore its rule in .cfnlintrc with the reason`);
    process.exitCode = 1;
  } else {
    log('no findings');
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
