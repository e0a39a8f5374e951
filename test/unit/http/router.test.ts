/**
 * The router's answers to failures: a Problem becomes its B3IQ-native body; anything else becomes
 * a 500 `internal_error` that leaks nothing, with one log line that names the error's class and
 * AWS metadata but never its message (a service's message can quote the values it was sent).
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Problem } from '../../../lambdas/domain/problems.js';
import { apiHandler } from '../../../lambdas/http/router.js';

const SECRET = 'tok_5ecret-VALUE-that-must-not-leak';

function event(method: string, resource: string): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    headers: { 'X-B3IQ-Customer-ID': 'cus-1', 'X-B3IQ-Customer-Token': SECRET },
    multiValueHeaders: {},
    body: null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { requestId: 'req-1' } as APIGatewayProxyEvent['requestContext'],
  };
}

const context = { awsRequestId: 'aws-req-1', functionName: 'unit', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** Everything the handler writes to stdout and stderr, one parsed JSON object per log line. */
let written: string[] = [];
const logLines = (): Record<string, unknown>[] =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeEach(() => {
  written = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('apiHandler, an unexpected error', () => {
  it.each([
    { case: 'an Error quoting a secret', thrown: () => new Error(`could not use ${SECRET}`), name: 'Error' },
    {
      case: 'an AWS SDK error',
      thrown: () =>
        Object.assign(new Error(`ValidationException: value ${SECRET} at 'key'`), {
          name: 'ValidationException',
          $metadata: { httpStatusCode: 400, requestId: 'aws-req-9' },
        }),
      name: 'ValidationException',
    },
    { case: 'a TypeError', thrown: () => new TypeError(`Cannot read properties of undefined (reading '${SECRET}')`), name: 'TypeError' },
  ])('answers a bare 500 internal_error and logs its class, never its message ($case)', async ({ thrown, name }) => {
    // Prepare
    const handler = apiHandler({
      'GET /v1/billing/account': async () => {
        throw thrown();
      },
    });

    // Act
    const result = await handler(event('GET', '/v1/billing/account'), context);

    // Assess: the answer.
    expect(result.statusCode).toBe(500);
    expect(result.headers).toMatchObject({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    expect(JSON.parse(result.body)).toEqual({
      error: {
        status: 500,
        title: 'Internal error',
        detail: 'an unexpected error stopped the request; try again later',
        code: 'internal_error',
      },
    });
    // Assess: the log names the error and the request, and nothing secret.
    const lines = logLines();
    const error = lines.find((line) => line.message === 'unexpected error');
    expect(error).toMatchObject({ level: 'ERROR', error_name: name, request_id: 'req-1' });
    expect(error?.stack).toEqual(expect.any(String));
    expect(lines.find((line) => line.message === 'request')).toMatchObject({
      status: 500,
      code: 'internal_error',
      route: '/v1/billing/account',
      customer_id: 'cus-1',
    });
    expect(written.join('')).not.toContain(SECRET);
  });

  it('logs the AWS status and request id of an AWS SDK error (aws metadata)', async () => {
    // Prepare
    const handler = apiHandler({
      'GET /v1/billing/account': async () => {
        throw Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400, requestId: 'aws-req-9' },
        });
      },
    });

    // Act
    const result = await handler(event('GET', '/v1/billing/account'), context);

    // Assess
    expect(result.statusCode).toBe(500);
    const error = logLines().find((line) => line.message === 'unexpected error');
    expect(error).toMatchObject({
      error_name: 'ProvisionedThroughputExceededException',
      aws_status: 400,
      aws_request_id: 'aws-req-9',
    });
    expect(written.join('')).not.toContain('Throughput exceeds');
  });

  it('answers 500 for a thrown value that is not an Error, and logs only its type (not an Error)', async () => {
    // Prepare
    const handler = apiHandler({
      'GET /v1/billing/account': async () => {
        throw SECRET;
      },
    });

    // Act
    const result = await handler(event('GET', '/v1/billing/account'), context);

    // Assess
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).error.code).toBe('internal_error');
    expect(logLines().find((line) => line.message === 'unexpected error')).toMatchObject({ error_type: 'string' });
    expect(written.join('')).not.toContain(SECRET);
  });
});

describe('apiHandler, other answers', () => {
  it('answers a Problem with its own status and body, and logs no error (problem)', async () => {
    // Prepare
    const handler = apiHandler({
      'GET /v1/billing/account': async () => {
        throw new Problem('insufficient_balance', 'available balance does not cover the quoted price');
      },
    });

    // Act
    const result = await handler(event('GET', '/v1/billing/account'), context);

    // Assess
    expect(result.statusCode).toBe(402);
    expect(JSON.parse(result.body)).toEqual({
      error: {
        status: 402,
        title: 'Insufficient balance',
        detail: 'available balance does not cover the quoted price',
        code: 'insufficient_balance',
      },
    });
    const lines = logLines();
    expect(lines.some((line) => line.level === 'ERROR')).toBe(false);
    expect(lines.find((line) => line.message === 'request')).toMatchObject({ status: 402, code: 'insufficient_balance' });
  });

  it('answers the route handler’s response as JSON, and logs its status (success)', async () => {
    // Prepare
    const handler = apiHandler({ 'GET /v1/billing/account': async () => ({ status: 200, body: { ok: true } }) });

    // Act
    const result = await handler(event('GET', '/v1/billing/account'), context);

    // Assess
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
      body: '{"ok":true}',
    });
    expect(logLines().find((line) => line.message === 'request')).toMatchObject({ status: 200, method: 'GET' });
  });

  it.each([
    { case: 'unknown path', method: 'GET', resource: '/v1/nothing-here', status: 404, code: 'not_found' },
    { case: 'known path, unknown method', method: 'DELETE', resource: '/v1/billing/account', status: 405, code: 'method_not_allowed' },
    {
      case: 'a route of the contract this function does not serve',
      method: 'GET',
      resource: '/v1/billing/usage',
      status: 405,
      code: 'method_not_allowed',
    },
  ])('answers $status $code for a route it does not serve ($case)', async ({ method, resource, status, code }) => {
    // Prepare
    const handler = apiHandler({ 'GET /v1/billing/account': async () => ({ status: 200, body: {} }) });

    // Act
    const result = await handler(event(method, resource), context);

    // Assess
    expect(result.statusCode).toBe(status);
    expect(JSON.parse(result.body).error.code).toBe(code);
  });

  it.each([
    { case: 'one method', method: 'DELETE', resource: '/v1/billing/account', allow: 'GET' },
    { case: 'two methods', method: 'PATCH', resource: '/v1/admin/customers/{customer_id}/tokens', allow: 'POST, GET' },
  ])('lists the methods the path serves in the Allow header of a 405 ($case)', async ({ method, resource, allow }) => {
    // Prepare
    const handler = apiHandler({});

    // Act
    const result = await handler(event(method, resource), context);

    // Assess
    expect(result.statusCode).toBe(405);
    expect(result.headers?.Allow).toBe(allow);
  });

  it('sends no Allow header with a 404', async () => {
    const result = await apiHandler({})(event('GET', '/v1/nothing-here'), context);

    expect(result.statusCode).toBe(404);
    expect(result.headers).not.toHaveProperty('Allow');
  });

  it.each([
    { case: 'valid ids', jobId: 'job-1', customerId: 'cus-1', logged: { job_id: 'job-1', customer_id: 'cus-1' } },
    { case: 'ids that break their patterns', jobId: '../x', customerId: 'bad id', logged: {} },
  ])('tags its log lines with the ids a request names, only when they are valid ids ($case)', async ({ jobId, customerId, logged }) => {
    // Prepare
    const handler = apiHandler({ 'GET /v1/billing/jobs/{job_id}': async () => ({ status: 200, body: {} }) });
    const request = { ...event('GET', '/v1/billing/jobs/{job_id}'), pathParameters: { job_id: jobId } };
    request.headers = { 'x-b3iq-customer-id': customerId };

    // Act
    await handler(request, context);

    // Assess
    const line = logLines().find((candidate) => candidate.message === 'request');
    expect(line).toMatchObject({ status: 200, ...logged });
    if (!('job_id' in logged)) expect(line).not.toHaveProperty('job_id');
    if (!('customer_id' in logged)) expect(line).not.toHaveProperty('customer_id');
  });
});
