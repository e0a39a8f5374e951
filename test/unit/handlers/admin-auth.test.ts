/**
 * The admin function's two ways to admit a caller, chosen by the stack (`ADMIN_AUTH`). With `iam`,
 * API Gateway has checked the caller's SigV4 signature: the function reads no admin token (it has no
 * secret configured; a read would fail), admits a call that carries the caller's identity, and
 * refuses one without it (a call that did not come through an IAM-authorized method). Nothing here
 * calls AWS: every request below is answered before the store is touched.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ENVIRONMENT = {
  TABLE_NAME: 'control-plane',
  NODE_KEY_SIGNING_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/signing',
  NODE_QUEUE_PREFIX: 'b3iq-test-node-',
  DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:111122223333:dead-letters',
  DATA_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/data',
};

const CONTEXT = { awsRequestId: 'unit', functionName: 'admin', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function adminEvent(options: { userArn?: string; headers?: Record<string, string>; body: string }): APIGatewayProxyEvent {
  return {
    resource: '/v1/admin/customers',
    path: '/v1/admin/customers',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', ...options.headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: options.body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      identity: { sourceIp: '203.0.113.7', ...(options.userArn === undefined ? {} : { userArn: options.userArn }) },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  } as APIGatewayProxyEvent;
}

async function loadAdmin(changes: Record<string, string>) {
  for (const [name, value] of Object.entries({ ...ENVIRONMENT, ...changes })) vi.stubEnv(name, value);
  return (await import('../../../lambdas/handlers/admin.js')).handler;
}

beforeEach(() => {
  vi.resetModules();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the admin function with ADMIN_AUTH=iam', () => {
  it('loads without an admin token secret', async () => {
    await expect(loadAdmin({ ADMIN_AUTH: 'iam', ADMIN_TOKEN_SECRET_ARN: '' })).resolves.toBeTypeOf('function');
  });

  it('admits a call API Gateway authorized (a caller ARN), logs who made it and goes on to the body', async () => {
    const handler = await loadAdmin({ ADMIN_AUTH: 'iam' });
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    const answer = await handler(adminEvent({ userArn: 'arn:aws:iam::111122223333:user/operator', body: '{not json' }), CONTEXT);
    vi.restoreAllMocks();
    // Past admission: the body's own problem, not 401.
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'invalid_request' } });
    const logged = lines.flatMap((line) => line.split('\n')).filter((line) => line.includes('"admin call"'));
    expect(logged.map((line) => (JSON.parse(line) as { caller_arn?: string }).caller_arn)).toEqual([
      'arn:aws:iam::111122223333:user/operator',
    ]);
  });

  it('refuses a call without a caller identity, whatever admin token it carries', async () => {
    const handler = await loadAdmin({ ADMIN_AUTH: 'iam' });
    const answer = await handler(adminEvent({ headers: { 'X-B3IQ-Admin-Token': 'anything' }, body: '{}' }), CONTEXT);
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({
      error: { status: 401, title: 'Unauthorized', detail: 'sign admin requests with AWS Signature Version 4', code: 'unauthorized' },
    });
  });
});

describe('the admin function with ADMIN_AUTH=token or unset', () => {
  it.each<Record<string, string>>([{ ADMIN_AUTH: 'token' }, {}])('needs the admin token secret (%o)', async (changes) => {
    await expect(loadAdmin({ ...changes, ADMIN_TOKEN_SECRET_ARN: '' })).rejects.toThrow(
      'environment variable ADMIN_TOKEN_SECRET_ARN is not set',
    );
  });

  it('refuses any other ADMIN_AUTH at cold start', async () => {
    await expect(
      loadAdmin({ ADMIN_AUTH: 'IAM', ADMIN_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:admin' }),
    ).rejects.toThrow('environment variable ADMIN_AUTH must be "iam" or "token"');
  });
});
