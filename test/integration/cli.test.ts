/**
 * The `b3iq` binary as a customer runs it (spawned, built by `npm run build`), against the
 * deployed API. The token only ever comes from a file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { b3iq } from './support/b3iq.js';
import { answerJob } from './support/node-calls.js';
import { account, newCustomer, newNode, type TestCustomer, type TestNode } from './support/world.js';

const { apiUrl } = inject('localStack');

let customer: TestCustomer;
let node: TestNode;
let env: Record<string, string>;
let workDir: string;

beforeAll(async () => {
  customer = await newCustomer(10n ** 18n);
  node = await newNode({ priceWei: 5_000_000_000_000_000n });
  workDir = mkdtempSync(path.join(tmpdir(), 'b3iq-cli-'));
  const tokenFile = path.join(workDir, 'token');
  writeFileSync(tokenFile, `${customer.token}\n`, { mode: 0o600 });
  env = {
    B3IQ_API_URL: apiUrl,
    B3IQ_CUSTOMER_ID: customer.customerId,
    B3IQ_CUSTOMER_TOKEN_FILE: tokenFile,
    B3IQ_KEY_DIR: path.join(workDir, 'keys'),
    // The CLI pins this run's stack in a home of its own (~/.b3iq/known-keys.json).
    HOME: path.join(workDir, 'home'),
  };
});

describe('b3iq', () => {
  it('shows a node with its prices and verified keys', async () => {
    const run = await b3iq(['nodes', 'show', node.nodeId], { env });

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`node ${node.nodeId}: active`);
    expect(run.stdout).toContain('5000000000000000 wei (0.005 ETH)');
    expect(run.stdout).toContain(`${node.keyId}  signatures verified`);
  });

  it('submits a prompt from stdin, shows it queued, and opens the answer once it comes', async () => {
    // Act
    const submitted = await b3iq(['jobs', 'submit', '--node', node.nodeId, '--model', node.modelId, '--json'], {
      env,
      stdin: 'What is 2+2?\n',
    });
    const accepted = JSON.parse(submitted.stdout);
    const queued = await b3iq(['jobs', 'get', accepted.job_id], { env });
    await answerJob(node, accepted.job_id, (prompt) => `you asked: ${prompt}`);
    const waited = await b3iq(['jobs', 'wait', accepted.job_id, '--decrypt'], { env });

    // Assess
    expect(submitted.code).toBe(0);
    expect(accepted).toMatchObject({ status: 'queued', node_id: node.nodeId, billing: { status: 'reserved' } });
    expect(queued.stdout).toContain(`job ${accepted.job_id}: queued`);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain('you asked: What is 2+2?');
  });

  it('takes a messages JSON file as input', async () => {
    const input = path.join(workDir, 'messages.json');
    writeFileSync(
      input,
      JSON.stringify({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi there' },
        ],
      }),
    );

    const submitted = await b3iq(['jobs', 'submit', '--node', node.nodeId, '--model', node.modelId, '--input', input, '--json'], { env });
    let prompt = '';
    await answerJob(node, JSON.parse(submitted.stdout).job_id, (text) => {
      prompt = text;
      return 'ok';
    });

    expect(submitted.code).toBe(0);
    expect(prompt).toBe('Hi there');
  });

  it('shows the account as JSON', async () => {
    const run = await b3iq(['account', '--json'], { env });

    expect(run.code).toBe(0);
    // Other tests in this file settle jobs on the same account: compare with the account as stored.
    const stored = await account(customer.customerId);
    expect(JSON.parse(run.stdout)).toMatchObject({ customer_id: customer.customerId, balance_wei: stored.balance_wei.toString() });
  });

  it.each([
    { case: 'an unknown command', args: ['jobs', 'fly'], code: 2, says: 'unknown command' },
    { case: 'a token on the command line', args: ['account', '--token', 'x'], code: 2, says: "Unknown option '--token'" },
    { case: 'a missing --model', args: ['jobs', 'submit', '--node', 'n-1'], code: 2, says: '--model is required' },
    {
      case: 'an empty input',
      args: ['jobs', 'submit', '--node', 'n-1', '--model', 'm', '--input', '/dev/null'],
      code: 2,
      says: 'input is empty',
    },
    {
      case: 'a model the node does not serve',
      args: ['jobs', 'submit', '--node', 'NODE', '--model', 'nope'],
      code: 1,
      says: 'model_not_served',
    },
    { case: 'an unknown job', args: ['jobs', 'get', 'job-unknown'], code: 1, says: 'job_not_found' },
  ])('exits $code for $case and says what to do', async ({ args, code, says }) => {
    const run = await b3iq(
      args.map((arg) => (arg === 'NODE' ? node.nodeId : arg)),
      { env, stdin: 'hello' },
    );

    expect(run.code).toBe(code);
    expect(run.stderr).toContain(says);
  });

  it('exits 3 and names the settings when it has no configuration', async () => {
    const run = await b3iq(['account'], { env: {}, cwd: mkdtempSync(path.join(tmpdir(), 'b3iq-empty-')) });

    expect(run.code).toBe(3);
    expect(run.stderr).toContain('B3IQ_API_URL, B3IQ_CUSTOMER_ID, B3IQ_CUSTOMER_TOKEN_FILE');
  });

  it('falls back to .b3iq/local.json in a parent folder', async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'b3iq-project-'));
    const local = { api_url: apiUrl, demo: { customer_id: customer.customerId, customer_token: customer.token } };
    const dir = path.join(project, '.b3iq');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'local.json'), JSON.stringify(local), { mode: 0o600 });
    const nested = path.join(project, 'src');
    mkdirSync(nested);

    const run = await b3iq(['account', '--json'], { env: { B3IQ_KEY_DIR: env.B3IQ_KEY_DIR!, HOME: env.HOME! }, cwd: nested });

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).customer_id).toBe(customer.customerId);
  });

  it('exits 5 when waiting runs out of time, and shows no progress line off a terminal', async () => {
    const submitted = await b3iq(['jobs', 'submit', '--node', node.nodeId, '--model', node.modelId, '--json'], { env, stdin: 'slow' });

    const run = await b3iq(['jobs', 'wait', JSON.parse(submitted.stdout).job_id, '--timeout', '1'], { env });

    expect(run.code).toBe(5);
    expect(run.stderr).toContain('did not finish within 1 s');
    expect(run.stderr).not.toContain('\r');
  });

  it("lists the customer's jobs newest first (--limit, --status) and the active nodes", async () => {
    // Prepare
    const submit = async () => {
      const run = await b3iq(['jobs', 'submit', '--node', node.nodeId, '--model', node.modelId, '--json'], { env, stdin: 'Hi\n' });
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout).job_id as string;
    };
    const older = await submit();
    const newer = await submit();

    // Act
    const newest = await b3iq(['jobs', 'list', '--limit', '1', '--json'], { env });
    const human = await b3iq(['jobs', 'list', '--status', 'queued', '--limit', '100'], { env });
    const badStatus = await b3iq(['jobs', 'list', '--status', 'lost'], { env });
    const nodes = await b3iq(['nodes', 'list', '--model', node.modelId, '--json'], { env });
    const nodesHuman = await b3iq(['nodes', 'list'], { env });

    // Assess
    expect(newest.code).toBe(0);
    expect(JSON.parse(newest.stdout).map((job: { job_id: string }) => job.job_id)).toEqual([newer]);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')[0]).toMatch(/^JOB\s+STATUS\s+NODE\s+MODEL/);
    expect(human.stdout.indexOf(newer)).toBeGreaterThan(0);
    expect(human.stdout.indexOf(older)).toBeGreaterThan(human.stdout.indexOf(newer));
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toContain('invalid_request');
    expect(nodes.code).toBe(0);
    expect(JSON.parse(nodes.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ node_id: node.nodeId, status: 'active', last_seen_at: expect.anything() })]),
    );
    expect(nodesHuman.stdout).toContain(node.nodeId);
  });

  it('never prints the token', async () => {
    const runs = await Promise.all([
      b3iq(['account'], { env }),
      b3iq(['account', '--json'], { env }),
      b3iq(['jobs', 'get', 'job-unknown', '--json'], { env }),
      b3iq(['--help'], { env }),
    ]);

    // Each run did its work (a crash prints no token either), and none printed the token.
    const [human, json, refused, help] = runs;
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human?.stdout).toContain(`customer ${customer.customerId}`);
    expect(json?.code).toBe(0);
    expect(JSON.parse(json?.stdout ?? '')).toMatchObject({ customer_id: customer.customerId, balance_wei: expect.any(String) });
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('job_not_found');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help?.stdout).toContain('Usage:');
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(customer.token);
  });
});
