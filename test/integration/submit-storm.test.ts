/**
 * Never a timeout for an answer (issue 11, point 4): a storm of concurrent submits on ONE account, over
 * HTTP through the deployed API, with DynamoDB behind the conflict front (DynamoDB's transaction conflict
 * rules and its published latency). Every answer is a documented one (202, 429 `rate_limited` with
 * Retry-After, or 402 once the balance runs out; never a 5xx), and afterwards the account holds exactly
 * one reservation per 202 and none for any other answer.
 *
 * The file runs a stack of its own: a second emulator started behind a front, and the stack deployed to
 * it (stage `load`, about half a minute). The suite's shared stack is left as it is: routing its Lambdas
 * through a front with DynamoDB's latency would slow every other file's HTTP calls, and re-pointing a
 * shared function (UpdateFunctionConfiguration) would recycle its workers under the other files' requests.
 */
import { encodeBase64url } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorBehindFront, startEmulatorBehindConflictFront } from '../../scripts/local/aws-conflicts.js';
import { deployStack } from '../../scripts/local/deploy.js';
import { setAdminToken } from '../../scripts/local/seed.js';
import { openApiContract } from './support/openapi-contract.js';
import { newTransportKey, sealedJob, signedTransportKey, uniqueId } from './support/world.js';

const CLIENTS = 32;
const JOBS = 192;
const PRICE = 1_000n;
/** Covers all but the last 32 jobs: the storm also runs the balance out, and those answers must be 402. */
const BALANCE = PRICE * BigInt(JOBS - 32);
const JOBS_ROUTE = '/v1/private-inference/jobs';

let stack: EmulatorBehindFront | undefined;
let apiUrl: string;
let adminToken: string;

beforeAll(async () => {
  const log = (line: string) => process.stderr.write(`[submit-storm] ${line}\n`);
  stack = await startEmulatorBehindConflictFront({ log, latency: 'aws' });
  const deployed = await deployStack(stack.env, { stage: 'load', log });
  apiUrl = deployed.apiUrl;
  adminToken = await setAdminToken(stack.env, deployed.outputs.AdminTokenSecretArn);
});

afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  jobId: string;
  status: number;
  code: string | undefined;
  retryAfter: string | null;
  /** Whether status and body are ones the OpenAPI document lists for the route. */
  inDocument: boolean;
}

async function call(method: string, route: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${apiUrl}${route}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: answers are read as loosely typed JSON
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { unparsed: text.slice(0, 200) };
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), body: parsed };
}

async function fixtures() {
  const admin = { 'X-B3IQ-Admin-Token': adminToken };
  const created = await call('POST', '/v1/admin/customers', admin, { customer_id: uniqueId('cus-storm') });
  expect(created.status).toBe(201);
  const customerId = created.body.customer_id as string;
  const credited = await call('POST', `/v1/admin/customers/${customerId}/credits`, admin, {
    credit_id: uniqueId('credit'),
    amount_wei: BALANCE.toString(),
  });
  expect(credited.status).toBe(200);
  const { publicKey } = newTransportKey();
  const identitySecretKey = ed25519.utils.randomSecretKey();
  const node = { nodeId: uniqueId('node-storm'), keyId: uniqueId('tk'), modelId: 'llama-3.1-8b-instruct', publicKey, identitySecretKey };
  const enrolled = await call('PUT', `/v1/admin/nodes/${node.nodeId}`, admin, {
    status: 'active',
    models: [{ model_id: node.modelId, price_wei: PRICE.toString() }],
    transport_keys: [signedTransportKey(node, { key_id: node.keyId, public_key_x25519: encodeBase64url(publicKey) })],
    identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(identitySecretKey)),
  });
  expect(enrolled.status).toBe(200);
  return {
    customerId,
    headers: { 'X-B3IQ-Customer-ID': customerId, 'X-B3IQ-Customer-Token': created.body.customer_token as string },
    node,
  };
}

describe('a storm of submits on one account, under DynamoDB conflict rules and latency', () => {
  it('answers 202, 429 rate_limited or 402, never 5xx, and reserves exactly the jobs answered 202', async () => {
    // Prepare: one customer, one node, every job sealed in advance with a job id of the client's choosing.
    const { customerId, headers, node } = await fixtures();
    const bodies = Array.from({ length: JOBS }, () => sealedJob(node, { job_id: uniqueId('job') }));

    // Act: 32 clients submit back to back until every job was sent once; every answer is kept.
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
          let answer: Answer;
          try {
            const sent = await call('POST', JOBS_ROUTE, headers, body);
            const problem = openApiContract().answerProblem('POST', JOBS_ROUTE, sent);
            answer = {
              jobId: body.job_id as string,
              status: sent.status,
              code: sent.body?.error?.code,
              retryAfter: sent.headers['retry-after'] ?? null,
              inDocument: problem === undefined,
            };
          } catch (error) {
            answer = {
              jobId: body.job_id as string,
              status: 0,
              code: `network: ${(error as Error).message}`,
              retryAfter: null,
              inDocument: false,
            };
          }
          answers.push(answer);
        }
      }),
    );

    // Assess: what the account holds, read through the API once every answer is in.
    const tally: Record<string, number> = {};
    for (const answer of answers) {
      const key = `${answer.status}${answer.code === undefined ? '' : ` ${answer.code}`}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    const accepted = answers.filter((answer) => answer.status === 202).map((answer) => answer.jobId);
    const usage = await call('GET', '/v1/billing/usage?limit=1000', headers);
    expect(usage.status).toBe(200);
    const reserveRows = (usage.body.entries as { kind: string; private_job_id: string | null }[]).filter(
      (entry) => entry.kind === 'reserve',
    );
    const reservedJobs = reserveRows.map((entry) => entry.private_job_id as string);
    const account = await call('GET', '/v1/billing/account', headers);
    const found = `answers ${JSON.stringify(tally)}; ${reservedJobs.length} reserve rows, account ${JSON.stringify(account.body)}; front ${JSON.stringify(stack?.front.stats())}`;
    process.stderr.write(`[submit-storm] ${found}\n`);

    const documented = answers.filter(
      (answer) =>
        answer.inDocument &&
        (answer.status === 202 ||
          (answer.status === 429 && answer.code === 'rate_limited' && answer.retryAfter !== null) ||
          (answer.status === 402 && answer.code === 'insufficient_balance')),
    );
    expect(answers).toHaveLength(JOBS);
    expect(documented, found).toHaveLength(JOBS);
    // One reservation per 202, none for another answer: the same jobs, each once, and the account agrees.
    expect([...reservedJobs].sort(), found).toEqual([...accepted].sort());
    expect(account.body.reserved_wei, found).toBe((PRICE * BigInt(accepted.length)).toString());
    expect(account.body.balance_wei).toBe(BALANCE.toString());
    expect(customerId).toBe(account.body.customer_id);
  }, 240_000);
});
