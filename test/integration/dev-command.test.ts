/**
 * `npm run dev` end to end: it starts its own emulator, deploys, seeds, writes local.json only once
 * the API answers, serves the printed example, and stops everything on Ctrl+C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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
      demo: { customer_id: expect.any(String), customer_token: expect.any(String), node_id: 'demo-node', model_id: expect.any(String), key_id: expect.any(String) },
    });
    await waitFor(() => printed.includes('Ctrl+C'), 10_000);
    expect(printed).toContain(`${local.api_url}/v1/private-inference/jobs`);
    expect(printed).not.toContain(local.demo.customer_token);
    const headers = { 'X-B3IQ-Customer-ID': local.demo.customer_id, 'X-B3IQ-Customer-Token': local.demo.customer_token };
    const job = await fetch(`${local.api_url}/v1/private-inference/jobs`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: readFileSync(path.join(localDir, 'example-job.json'), 'utf8'),
    });
    expect(job.status).toBe(202);
    const balance = (await (await fetch(`${local.api_url}/v1/billing/account`, { headers })).json()) as Record<string, string>;
    expect(BigInt(balance.available_wei)).toBeGreaterThan(100n * BigInt(balance.reserved_wei));

    // Act: Ctrl+C.
    const exited = new Promise((resolve) => dev?.once('exit', resolve));
    process.kill(-(dev.pid as number), 'SIGINT');
    await exited;

    // Assess: the emulator is gone and local.json with it.
    expect(existsSync(localFile)).toBe(false);
    await expect(fetch(local.aws_endpoint_url)).rejects.toThrow();
  }, 180_000);
});
