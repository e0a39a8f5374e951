/**
 * `npm run dev` end to end: it starts its own emulator, deploys, seeds, runs the demo node's agent,
 * writes local.json only once the API answers and the agent polls, answers the printed example and an
 * independent client's job, and stops everything on Ctrl+C. With `--aws-conflicts`, the deployed
 * Lambdas' DynamoDB calls go through the conflict front, which the command starts and stops.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifiesNodeKeyStatement } from '@b3iq/protocol';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { runProxy } from './support/b3iq.js';

const CLI = fileURLToPath(new URL('../../packages/sdk/dist/cli/main.js', import.meta.url));
const localDir = mkdtempSync(path.join(tmpdir(), 'b3iq-dev-test-'));
const localFile = path.join(localDir, 'local.json');
let dev: ChildProcess | undefined;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    if (dev?.exitCode !== null && dev?.exitCode !== undefined) throw new Error(`npm run dev exited with ${dev.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

afterAll(() => {
  if (dev !== undefined && dev.exitCode === null && dev.signalCode === null) process.kill(-(dev.pid as number), 'SIGKILL');
  rmSync(localDir, { recursive: true, force: true });
});

/** Submits the example job `npm run dev` wrote, as the demo customer, and waits up to 20 s for it to complete; its last status. */
async function exampleJobStatus(
  local: { api_url: string; demo: { customer_id: string; customer_token: string } },
  localDir: string,
): Promise<string> {
  const headers = { 'X-B3IQ-Customer-ID': local.demo.customer_id, 'X-B3IQ-Customer-Token': local.demo.customer_token };
  const job = await fetch(`${local.api_url}/v1/private-inference/jobs`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: readFileSync(path.join(localDir, 'example-job.json'), 'utf8'),
  });
  expect(job.status).toBe(202);
  const { job_id: jobId } = (await job.json()) as { job_id: string };
  let status = 'queued';
  for (let i = 0; i < 100 && status !== 'completed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = ((await (await fetch(`${local.api_url}/v1/private-inference/jobs/${jobId}`, { headers })).json()) as { status: string })
      .status;
  }
  return status;
}

interface DevLocal {
  api_url: string;
  demo: { customer_id: string; customer_token: string; node_id: string; model_id: string };
}

/**
 * `b3iq proxy` for the demo node, with the demo customer's CLI configuration, used by the official
 * `openai` package as the README's example does: a plain and a streamed completion (the demo node's
 * echo backend answers the last user message), the model list, a debit of exactly the node's price
 * for each completion (real jobs), and a clean exit on SIGTERM.
 */
async function proxyServesOpenAi(local: DevLocal, cliEnv: NodeJS.ProcessEnv, priceWei: bigint): Promise<void> {
  const headers = { 'X-B3IQ-Customer-ID': local.demo.customer_id, 'X-B3IQ-Customer-Token': local.demo.customer_token };
  const balance = async () =>
    BigInt(((await (await fetch(`${local.api_url}/v1/billing/account`, { headers })).json()) as { balance_wei: string }).balance_wei);
  const before = await balance();
  const proxy = await runProxy(['--node', local.demo.node_id, '--model', local.demo.model_id, '--port', '0'], cliEnv);
  try {
    // As the README has it, apart from the port.
    const openai = new OpenAI({ baseURL: proxy.baseUrl, apiKey: 'unused' });
    const completion = await openai.chat.completions.create({
      model: local.demo.model_id,
      messages: [{ role: 'user', content: 'Hello from the openai package' }],
    });
    const stream = await openai.chat.completions.create({
      model: local.demo.model_id,
      messages: [{ role: 'user', content: 'Stream this\nanswer, please' }],
      stream: true,
    });
    let streamed = '';
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        streamed += choice.delta.content ?? '';
        finishes.push(choice.finish_reason);
      }
    }
    const models = [];
    for await (const model of openai.models.list()) models.push(model.id);
    const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', resolve));
    proxy.child.kill('SIGTERM');

    expect(completion.choices[0]?.message.content).toBe('Hello from the openai package');
    expect(completion.model).toBe(local.demo.model_id);
    expect(streamed).toBe('Stream this\nanswer, please');
    expect(finishes.at(-1)).toBe('stop');
    expect(models).toEqual([local.demo.model_id]);
    expect(await balance()).toBe(before - 2n * priceWei);
    expect(await exited).toBe(0);
    expect(proxy.output()).not.toContain(local.demo.customer_token);
    expect(proxy.output()).not.toContain('Hello from the openai package');
  } finally {
    if (proxy.child.exitCode === null && proxy.child.signalCode === null) proxy.child.kill('SIGKILL');
  }
}

describe('npm run dev', () => {
  it('runs the stack with demo data until interrupted, then stops what it started', async () => {
    // Act: start it the way the README says, apart from where local.json goes.
    const env: NodeJS.ProcessEnv = { ...process.env, B3IQ_LOCAL_DIR: localDir };
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete env[name];
    let printed = '';
    // Its own process group, so that "Ctrl+C" below reaches npm and everything under it, as a terminal's does.
    dev = spawn('npm', ['run', '--silent', 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    dev.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    await waitFor(() => existsSync(localFile), 120_000);

    // Assess: local.json as the contract has it, private, and the example works.
    expect(statSync(localFile).mode & 0o777).toBe(0o600);
    const local = JSON.parse(readFileSync(localFile, 'utf8'));
    expect(local).toEqual({
      api_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/.*[^/]$/),
      aws_endpoint_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      aws_region: 'us-east-1',
      admin_token: expect.any(String),
      demo: {
        customer_id: expect.any(String),
        customer_token: expect.any(String),
        node_id: 'demo-node',
        model_id: expect.any(String),
        key_id: expect.any(String),
      },
    });
    await waitFor(() => printed.includes('Ctrl+C'), 10_000);
    expect(printed).toContain(`${local.api_url}/v1/private-inference/jobs`);
    expect(printed).not.toContain(local.demo.customer_token);
    // The demo node's agent answered it.
    expect(await exampleJobStatus(local, localDir)).toBe('completed');
    // An independent client, the b3iq binary configured from the environment, gets its answer too.
    const tokenFile = path.join(localDir, 'token');
    writeFileSync(tokenFile, local.demo.customer_token, { mode: 0o600 });
    const cliEnv = {
      ...env,
      B3IQ_API_URL: local.api_url,
      B3IQ_CUSTOMER_ID: local.demo.customer_id,
      B3IQ_CUSTOMER_TOKEN_FILE: tokenFile,
      B3IQ_KEY_DIR: path.join(localDir, 'keys'),
      // Its pins (~/.b3iq/known-keys.json) go with the test's folder, not the user's home.
      HOME: localDir,
    };
    const submitted = JSON.parse(
      execFileSync(process.execPath, [CLI, 'jobs', 'submit', '--node', local.demo.node_id, '--model', local.demo.model_id, '--json'], {
        env: cliEnv,
        input: 'Are you there?',
      }).toString(),
    );
    const answered = execFileSync(process.execPath, [CLI, 'jobs', 'wait', submitted.job_id, '--decrypt', '--timeout', '30'], {
      env: cliEnv,
    }).toString();
    expect(answered).toContain('Are you there?');
    const headers = { 'X-B3IQ-Customer-ID': local.demo.customer_id, 'X-B3IQ-Customer-Token': local.demo.customer_token };
    const balance = (await (await fetch(`${local.api_url}/v1/billing/account`, { headers })).json()) as Record<string, string>;
    expect(BigInt(balance.available_wei)).toBeGreaterThan(100n * BigInt(balance.reserved_wei));
    // The demo node is enrolled as a node operator enrolls one: every key signed by its identity key, which the record names.
    const demoNode = (await (await fetch(`${local.api_url}/v1/private-inference/nodes/${local.demo.node_id}`, { headers })).json()) as {
      identity_public_key_ed25519: string;
      models: { model_id: string; price_wei: string }[];
      transport_keys: {
        key_id: string;
        public_key_x25519: string;
        signed_record: string;
        valid_until: string | null;
        node_signature_ed25519: string;
      }[];
    };
    expect(demoNode.transport_keys.map((key) => key.key_id)).toContain(local.demo.key_id);
    for (const key of demoNode.transport_keys) {
      const claim = {
        node_id: local.demo.node_id,
        key_id: key.key_id,
        public_key_x25519: key.public_key_x25519,
        valid_until: key.valid_until,
      };
      expect(verifiesNodeKeyStatement(demoNode.identity_public_key_ed25519, claim, key.node_signature_ed25519)).toBe(true);
      expect(JSON.parse(key.signed_record).identity_public_key_ed25519).toBe(demoNode.identity_public_key_ed25519);
    }
    // An unchanged OpenAI application, through `b3iq proxy`, gets the demo node's answers for the node's price.
    const demoPrice = demoNode.models.find((model) => model.model_id === local.demo.model_id)?.price_wei;
    expect(demoPrice).toBeDefined();
    await proxyServesOpenAi(local, cliEnv, BigInt(demoPrice as string));

    // Act: Ctrl+C.
    const exited = new Promise((resolve) => dev?.once('exit', resolve));
    process.kill(-(dev.pid as number), 'SIGINT');
    await exited;

    // Assess: the emulator is gone and local.json with it.
    expect(existsSync(localFile)).toBe(false);
    await expect(fetch(local.aws_endpoint_url)).rejects.toThrow();
  }, 180_000);

  it('with --aws-conflicts, sends the DynamoDB calls of the stack through the conflict front and stops it too', async () => {
    // Act: start it with the flag, as the README says.
    const env: NodeJS.ProcessEnv = { ...process.env, B3IQ_LOCAL_DIR: localDir };
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
      delete env[name];
    let logged = '';
    dev = spawn('npm', ['run', '--silent', 'dev', '--', '--aws-conflicts'], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    dev.stderr?.on('data', (chunk: Buffer) => {
      logged += chunk.toString();
    });
    await waitFor(() => existsSync(localFile), 120_000);
    const local = JSON.parse(readFileSync(localFile, 'utf8'));
    const frontUrl = /conflict front at (http:\/\/127\.0\.0\.1:\d+)/.exec(logged)?.[1];
    expect(frontUrl).toBeDefined();
    expect(frontUrl).not.toBe(local.aws_endpoint_url);

    // A job through the deployed API, answered by the demo node's agent: every function of the job path ran.
    expect(await exampleJobStatus(local, localDir)).toBe('completed');
    const exited = new Promise((resolve) => dev?.once('exit', resolve));
    process.kill(-(dev.pid as number), 'SIGINT');
    await exited;

    // Assess: the front forwarded the Lambdas' reads and writes (the seed's credit and the job's reservation
    // are transactions; nothing else in the stack talks to DynamoDB), and it is gone with the emulator.
    const printed = /conflict front stats: (\{.*\})/.exec(logged)?.[1];
    expect(printed).toBeDefined();
    const stats = JSON.parse(printed as string) as { forwarded: Record<string, number> };
    expect(stats.forwarded.TransactWriteItems).toBeGreaterThanOrEqual(2);
    expect(stats.forwarded.GetItem ?? 0).toBeGreaterThan(0);
    await expect(fetch(frontUrl as string)).rejects.toThrow();
    await expect(fetch(local.aws_endpoint_url)).rejects.toThrow();
  }, 180_000);
});
