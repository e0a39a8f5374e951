/**
 * The admin API with IAM authorization (`-c adminAuth=iam`, the default outside `dev`), deployed on
 * the emulator: API Gateway refuses an unsigned or token-only admin call in the problem shape, a
 * SigV4-signed call reaches the admin function (which reads no admin token: the stage has none), and
 * customer endpoints answer as before.
 *
 * The file deploys one stack of its own (stage `iam`) next to the suite's `test` stack on the
 * shared emulator, whose ministack enforces AWS_IAM methods as AWS does for an unsigned call
 * (MISSING_AUTHENTICATION_TOKEN) and resolves a signed call's caller from its access key (it does not
 * verify signatures, so a bad signature's INVALID_SIGNATURE is covered by the CDK tests only).
 * The stack stays on the emulator, which the suite stops with everything on it.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type DeployedStack, deployStack } from '../../scripts/local/deploy.js';
import { type AwsCredentials, sigV4Headers } from './support/sigv4.js';
import { uniqueId } from './support/world.js';

const { awsEnv, adminToken } = inject('localStack');
const credentials: AwsCredentials = { accessKeyId: awsEnv.AWS_ACCESS_KEY_ID!, secretAccessKey: awsEnv.AWS_SECRET_ACCESS_KEY! };

let deployed: DeployedStack;

beforeAll(async () => {
  const log = (line: string) => process.stderr.write(`[admin-iam] ${line}\n`);
  deployed = await deployStack(awsEnv, { stage: 'iam', adminAuth: 'iam', log });
});

interface Answer {
  status: number;
  /** `x-amzn-ErrorType`: set on an answer API Gateway made itself, absent on a Lambda's. */
  gatewayError: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read as loosely typed JSON
  body: any;
}

async function call(
  method: string,
  route: string,
  options: { headers?: Record<string, string>; json?: unknown; sign?: boolean } = {},
): Promise<Answer> {
  const url = `${deployed.apiUrl}${route}`;
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  let headers = { ...options.headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (options.sign) {
    headers = await sigV4Headers(
      { method, url, headers, ...(body === undefined ? {} : { body }) },
      { region: awsEnv.AWS_REGION!, credentials },
    );
  }
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { unparsed: text.slice(0, 200) };
  }
  return { status: response.status, gatewayError: response.headers.get('x-amzn-errortype'), body: parsed };
}

/** The B3IQ problem body, exactly: four fields. */
function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({ error: { status, title: expect.any(String), detail: expect.any(String), code } });
}

describe('admin API with IAM authorization', () => {
  it('deploys with no admin token secret and outputs the operators’ invoke policy', () => {
    expect(deployed.outputs.AdminTokenSecretArn).toBeUndefined();
    expect(deployed.outputs.AdminInvokePolicyArn).toMatch(/^arn:aws:iam::\d{12}:policy\//);
  });

  it.each([
    { case: 'POST /v1/admin/customers', method: 'POST', route: '/v1/admin/customers', json: {} },
    { case: 'credits', method: 'POST', route: '/v1/admin/customers/cus-x/credits', json: { credit_id: 'c-1', amount_wei: '1' } },
    { case: 'node enrollment', method: 'PUT', route: '/v1/admin/nodes/node-x', json: {} },
    { case: 'an admin path’s ANY fallback', method: 'GET', route: '/v1/admin/customers' },
    { case: 'an unknown admin path', method: 'GET', route: '/v1/admin/whatever/else' },
  ])('refuses an unsigned call ($case) at the gateway with 401 unauthorized', async ({ method, route, json }) => {
    const answer = await call(method, route, { json });
    expectProblem(answer, 401, 'unauthorized');
    // The gateway's refusal, not the admin function's (which would also answer 401 without a caller).
    expect(answer.gatewayError).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a call that carries only an admin token (the token of the suite’s token stage)', async () => {
    const answer = await call('POST', '/v1/admin/customers', { headers: { 'X-B3IQ-Admin-Token': adminToken }, json: {} });
    expectProblem(answer, 401, 'unauthorized');
    expect(answer.gatewayError).toBe('MissingAuthenticationTokenException');
  });

  it('creates a customer for a SigV4-signed call, whose credentials then work on the customer API', async () => {
    const customerId = uniqueId('cus-iam');
    const created = await call('POST', '/v1/admin/customers', { json: { customer_id: customerId }, sign: true });
    expect(created.status).toBe(201);
    expect(created.gatewayError).toBeNull();
    expect(created.body).toEqual({ customer_id: customerId, customer_token: expect.any(String) });

    const customer = { 'X-B3IQ-Customer-ID': customerId, 'X-B3IQ-Customer-Token': created.body.customer_token as string };
    const account = await call('GET', '/v1/billing/account', { headers: customer });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ customer_id: customerId, balance_wei: '0' });
  });

  it('answers a signed call to an admin path’s other method as the API does (405), having let it through', async () => {
    expectProblem(await call('GET', '/v1/admin/customers', { sign: true }), 405, 'method_not_allowed');
  });

  it('leaves customer endpoints and unknown routes as they were: the function’s 401, the fallback’s 404', async () => {
    expectProblem(
      await call('GET', '/v1/billing/account', { headers: { 'X-B3IQ-Customer-ID': 'cus-nobody', 'X-B3IQ-Customer-Token': 'x' } }),
      401,
      'unauthorized',
    );
    expectProblem(await call('GET', '/v1/no/such/route'), 404, 'not_found');
  });
});
