/**
 * `npm run fuzz [-- --max-examples N]`: the schemathesis run of the integration suite
 * (test/integration/fuzz.test.ts), longer (200 cases per operation and phase by default), against
 * the stack `npm run dev` runs: it reads `.b3iq/local.json` and signs node requests with the demo
 * node's key, whose agent answers the fixture job.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runFuzz } from './fuzz/run.js';
import { makeFuzzTargets } from './fuzz/targets.js';
import { LOCAL_DIR } from './local/paths.js';
import { demoNodeKeys, type LocalConfig } from './local/seed.js';

const log = (line: string) => process.stderr.write(`[fuzz] ${line}\n`);

async function main(): Promise<number> {
  const flag = process.argv.indexOf('--max-examples');
  const maxExamples = flag === -1 ? 200 : Number(process.argv[flag + 1]);
  if (!Number.isInteger(maxExamples) || maxExamples < 1) throw new Error('--max-examples takes a positive integer');
  const config = JSON.parse(readFileSync(path.join(LOCAL_DIR, 'local.json'), 'utf8')) as LocalConfig;
  const keys = await demoNodeKeys();
  log(`making the fuzz customers and a completed job on ${config.api_url}`);
  const targets = await makeFuzzTargets(config.api_url, config.admin_token, {
    nodeId: config.demo.node_id,
    modelId: config.demo.model_id,
    identitySecretKey: keys.identitySecretKey,
  });
  log(`running schemathesis, ${maxExamples} cases per operation`);
  const { exitCode } = await runFuzz(targets, { maxExamples, log, verbose: true });
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
