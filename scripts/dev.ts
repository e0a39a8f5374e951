/**
 * `npm run dev`: the whole stack on a local AWS emulator, with demo data.
 *
 * Starts ministack (or, when AWS_ENDPOINT_URL is set, uses that emulator, e.g. LocalStack, and
 * starts nothing), deploys the synthesized stack to it, seeds a demo customer and node through the
 * admin API, runs the reference node agent for the demo node, writes `.b3iq/local.json` once that
 * agent is polling, prints a copy-paste example and runs until interrupted.
 *
 * `--aws-conflicts`: every DynamoDB call of the stack (the deployed Lambdas, so the seed's and the demo
 * node's requests too) goes through the conflict front, which applies DynamoDB's transaction conflict
 * rules and its published latency; the front's counts are printed when the command stops.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { decodeCheckedBase64url, sealEnvelope } from '@b3iq/protocol';
import { NodeAgent } from '../packages/node-agent/src/agent.js';
import { echoBackend } from '../packages/node-agent/src/backends.js';
import { type EmulatorBehindFront, startEmulatorBehindConflictFront } from './local/aws-conflicts.js';
import { deployStack } from './local/deploy.js';
import { awsEnv, type Emulator, startEmulator } from './local/emulator.js';
import { LOCAL_DIR } from './local/paths.js';
import { demoNodeKeys, type LocalConfig, seedDemo, writePrivate } from './local/seed.js';

const log = (line: string) => process.stderr.write(`[dev] ${line}\n`);

async function portIsFree(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
    return false;
  } catch {
    return true;
  }
}

/** A sealed example job for the demo node, so the printed curl works as it is. */
async function writeExampleJob(config: LocalConfig): Promise<string> {
  const keys = await demoNodeKeys();
  const [firstKey] = keys.transportKeys;
  if (firstKey === undefined) throw new Error('the demo node key file has no transport key');
  const binding = { key_id: config.demo.key_id, node_id: config.demo.node_id, model_id: config.demo.model_id };
  const prompt = JSON.stringify({ messages: [{ role: 'user', content: 'Say hello from a private node.' }] });
  const { envelope } = sealEnvelope(
    'request',
    decodeCheckedBase64url(firstKey.publicKey, 'transport key'),
    binding,
    new TextEncoder().encode(prompt),
  );
  const file = path.join(LOCAL_DIR, 'example-job.json');
  writePrivate(file, `${JSON.stringify({ node_id: binding.node_id, model_id: binding.model_id, encrypted_request: envelope }, null, 2)}\n`);
  return file;
}

function printExample(config: LocalConfig, exampleFile: string): void {
  const relative = path.relative(process.cwd(), exampleFile);
  const headers = `-H "X-B3IQ-Customer-ID: ${config.demo.customer_id}" -H "X-B3IQ-Customer-Token: $(jq -r .demo.customer_token .b3iq/local.json)"`;
  process.stdout.write(
    [
      '',
      'The B3IQ control plane is running locally. Settings and credentials: .b3iq/local.json',
      '',
      'Queue a sealed job for the demo node:',
      `  curl -s -X POST "${config.api_url}/v1/private-inference/jobs" ${headers} -H "Content-Type: application/json" -d @${relative}`,
      'Read the account:',
      `  curl -s "${config.api_url}/v1/billing/account" ${headers}`,
      '',
      'Press Ctrl+C to stop everything.',
      '',
    ].join('\n'),
  );
}

/** Runs the reference node agent for the demo node (echo backend); resolves once it is polling. */
async function startDemoAgent(apiUrl: string): Promise<NodeAgent> {
  let polled: () => void = () => {};
  const polling = new Promise<void>((resolve) => {
    polled = resolve;
  });
  const agent = new NodeAgent({
    apiUrl,
    keys: await demoNodeKeys(),
    backend: echoBackend,
    onPolling: () => polled(),
    log: (line) => log(`demo node: ${line}`),
  });
  agent.run().catch((error: unknown) => log(`demo node agent stopped: ${error instanceof Error ? error.message : String(error)}`));
  await polling;
  return agent;
}

async function main(): Promise<void> {
  const awsConflicts = process.argv.includes('--aws-conflicts');
  let emulator: Emulator | EmulatorBehindFront | undefined;
  let agent: NodeAgent | undefined;
  const localFile = path.join(LOCAL_DIR, 'local.json');
  let stopping = false;
  const shutdown = async (code: number) => {
    // Ctrl+C signals the whole process group (npm, tsx and this process): clean up once.
    if (stopping) return;
    stopping = true;
    rmSync(localFile, { force: true });
    await agent?.stop();
    if (emulator !== undefined && 'front' in emulator) log(`conflict front stats: ${JSON.stringify(emulator.front.stats())}`);
    await emulator?.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

  try {
    let env: Record<string, string>;
    const external = process.env.AWS_ENDPOINT_URL;
    if (external) {
      // Its Lambdas get their environment from that emulator, not from here: they cannot be routed.
      if (awsConflicts) throw new Error('--aws-conflicts needs the emulator `npm run dev` starts itself: unset AWS_ENDPOINT_URL');
      log(`using the emulator at ${external} (AWS_ENDPOINT_URL); nothing is started`);
      env = awsEnv(external, process.env.AWS_REGION ?? 'us-east-1');
    } else {
      const options = { log, ...((await portIsFree(4566)) ? { port: 4566 } : {}) };
      emulator = awsConflicts ? await startEmulatorBehindConflictFront(options) : await startEmulator(options);
      env = emulator.env;
    }
    const deployed = await deployStack(env, { stage: 'dev', log });
    log(`API at ${deployed.apiUrl}`);
    const config = await seedDemo({ apiUrl: deployed.apiUrl, awsEnv: env, adminTokenSecretId: deployed.outputs.AdminTokenSecretArn });
    agent = await startDemoAgent(deployed.apiUrl);
    log('the demo node agent is polling');
    writePrivate(localFile, `${JSON.stringify(config, null, 2)}\n`);
    printExample(config, await writeExampleJob(config));
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    await shutdown(1);
  }
  // Keep running until interrupted.
  setInterval(() => {}, 1 << 30);
}

await main();
