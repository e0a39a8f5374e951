/**
 * The `b3iq` binary as a customer runs it (spawned, built by `npm run build`), against the
 * deployed API. The token only ever comes from a file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { b3iq } from './support/b3iq.js';
import { queuedJob } from './support/jobs.js';
import { eventually } from './support/lifecycle.js';
import { answerJob } from './support/node-calls.js';
import { useWebhookReceivers } from './support/webhook-receiver.js';
import { account, newCustomer, newNode, type TestCustomer, type TestNode } from './support/world.js';

const { apiUrl } = inject('localStack');

let customer: TestCustomer;
let node: TestNode;
let env: Record<string, string>;
let workDir: string;
const receiver = useWebhookReceivers();

/** A customer's configuration as `b3iq` reads it, in a folder of its own; the token only from a file. */
function customerEnv(who: TestCustomer): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'b3iq-cli-'));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, `${who.token}\n`, { mode: 0o600 });
  return {
    B3IQ_API_URL: apiUrl,
    B3IQ_CUSTOMER_ID: who.customerId,
    B3IQ_CUSTOMER_TOKEN_FILE: tokenFile,
    B3IQ_KEY_DIR: path.join(dir, 'keys'),
    // The CLI pins this run's stack in a home of its own (~/.b3iq/known-keys.json).
    HOME: path.join(dir, 'home'),
  };
}

beforeAll(async () => {
  customer = await newCustomer(10n ** 18n);
  node = await newNode({ priceWei: 5_000_000_000_000_000n });
  env = customerEnv(customer);
  workDir = path.dirname(env.B3IQ_CUSTOMER_TOKEN_FILE as string);
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

  it('manages webhook endpoints: the secret shown once at create verifies the job.completed delivery', async () => {
    // Prepare: a customer of its own with a queued job, and two receivers (one per form of create's output).
    const { customer: owner, node: jobNode, jobId } = await queuedJob();
    const ownerEnv = customerEnv(owner);
    const [human, json] = [await receiver(), await receiver()];
    const run = (...args: string[]) => b3iq(['webhooks', ...args], { env: ownerEnv });

    // Act
    const createdHuman = await run('create', '--url', human.url, '--events', 'job.completed');
    const createdJson = await run('create', '--url', json.url, '--events', 'job.completed', '--json');
    const humanSecret = /^secret: (whsec_\S+)$/m.exec(createdHuman.stdout)?.[1] ?? 'no secret printed';
    const created = JSON.parse(createdJson.stdout) as { endpoint_id: string; secret: string; status: string };
    human.useSecret(humanSecret);
    json.useSecret(created.secret);
    const humanId = createdHuman.stdout.split(/\s+/)[0] as string;
    const listed = await run('list');
    const listedJson = await run('list', '--json');
    await answerJob(jobNode, jobId, (prompt) => prompt);
    const delivered = await eventually(
      async () => [...human.deliveries, ...json.deliveries],
      () => human.deliveries.length > 0 && json.deliveries.length > 0,
      90_000,
    );
    const deleted = [await run('delete', humanId), await run('delete', created.endpoint_id, '--json')];
    const listedAfter = await run('list');
    const deletedAgain = await run('delete', humanId);

    // Assess: create prints the secret once, in either form.
    expect(createdHuman.code).toBe(0);
    expect(createdHuman.stdout).toContain(`active   job.completed  ${human.url}`);
    expect(humanSecret).toMatch(/^whsec_/);
    expect(createdJson.code).toBe(0);
    expect(created).toMatchObject({ status: 'active', secret: expect.stringMatching(/^whsec_/) });
    // The list shows both, active, and no secret.
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${humanId}  active   job.completed  ${human.url}`);
    expect(listed.stdout).toContain(`${created.endpoint_id}  active   job.completed  ${json.url}`);
    const endpoints = (JSON.parse(listedJson.stdout) as { endpoints: Record<string, unknown>[] }).endpoints;
    expect(endpoints.map((endpoint) => endpoint.endpoint_id).sort()).toEqual([humanId, created.endpoint_id].sort());
    for (const endpoint of endpoints) expect(endpoint).not.toHaveProperty('secret');
    // Each receiver verified its job.completed delivery with the secret the CLI printed for it.
    expect(delivered).toHaveLength(2);
    for (const delivery of delivered) {
      expect(delivery.verified).toMatchObject({ type: 'job.completed', data: { job_id: jobId, status: 'completed' } });
    }
    // Deleted, gone, and a second delete is the API's 404 (exit 1, refused) by its code.
    expect(deleted.map((answer) => answer.code)).toEqual([0, 0]);
    expect(deleted[0]?.stdout).toContain(`deleted ${humanId}`);
    expect(JSON.parse(deleted[1]?.stdout ?? '')).toMatchObject({ endpoint_id: created.endpoint_id });
    expect(listedAfter).toMatchObject({ code: 0, stdout: 'no webhook endpoints\n' });
    expect(deletedAgain.code).toBe(1);
    expect(deletedAgain.stderr).toContain('webhook_endpoint_not_found');
    expect(deletedAgain.stderr).toContain('b3iq webhooks list');
    // The token never, and a secret only in the create that made it.
    const runs = [createdHuman, createdJson, listed, listedJson, ...deleted, listedAfter, deletedAgain];
    for (const answer of runs) expect(answer.stderr).not.toContain('whsec_');
    for (const answer of runs.slice(2)) expect(answer.stdout).not.toContain('whsec_');
    expect(createdHuman.stdout).not.toContain(created.secret);
    expect(createdJson.stdout).not.toContain(humanSecret);
    for (const answer of runs) expect(answer.stdout + answer.stderr).not.toContain(owner.token);
  }, 120_000);
});
