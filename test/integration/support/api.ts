/**
 * Calls the real Lambda handlers in-process with API Gateway proxy events, as the deployed API
 * would: the route template picks the function, exactly as the stack wires it.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { inject } from 'vitest';
import { API_ROUTES, type ApiFunction, FALLBACK_FUNCTION } from '../../../lambdas/http/routes.js';
import { openApiContract } from './openapi-contract.js';

type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Each function's handler, imported on first call as a Lambda container would load it. A handler reads
 * its configuration when its module loads, so a file that takes a table of its own (table.ts) must
 * have switched `TABLE_NAME` by then: loading on first call, after the file's `beforeAll`, does that.
 */
const HANDLERS: Record<ApiFunction, () => Promise<ApiHandler>> = {
  'customer-jobs': async () => (await import('../../../lambdas/handlers/customer-jobs.js')).handler,
  'customer-reads': async () => (await import('../../../lambdas/handlers/customer-reads.js')).handler,
  admin: async () => (await import('../../../lambdas/handlers/admin.js')).handler,
  'node-api': async () => (await import('../../../lambdas/handlers/node-api.js')).handler,
};

interface ApiCall {
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** A value to send as JSON (with `Content-Type: application/json` unless `headers` say otherwise). */
  json?: unknown;
  /** A raw body, sent as it is. */
  body?: string;
  query?: Record<string, string>;
  /** The time the Lambda context says the function has left (default 10 s, the API functions' timeout). */
  remainingMs?: number;
  /** The caller's IP address as API Gateway reports it (`requestContext.identity.sourceIp`); none by default. */
  sourceIp?: string;
}

interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read as loosely typed JSON
  body: any;
}

const lambdaContext = {
  awsRequestId: 'test-request',
  functionName: 'test',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function proxyEvent(method: string, template: string, call: ApiCall): APIGatewayProxyEvent {
  const params = call.params ?? {};
  const path = template.replace(/\{(\w+)\+?\}/g, (_, name: string) => params[name] ?? '');
  const headers: Record<string, string> = { ...(call.json !== undefined ? { 'Content-Type': 'application/json' } : {}), ...call.headers };
  return {
    httpMethod: method,
    resource: template,
    path,
    pathParameters: Object.keys(params).length > 0 ? params : null,
    queryStringParameters: call.query ?? null,
    multiValueQueryStringParameters: null,
    headers,
    multiValueHeaders: {},
    body: call.body ?? (call.json === undefined ? null : JSON.stringify(call.json)),
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      requestId: randomUUID(),
      ...(call.sourceIp === undefined ? {} : { identity: { sourceIp: call.sourceIp } }),
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/**
 * Calls the route's handler. Every answer is checked against the OpenAPI document
 * (`GET /v1/openapi.json`): a status or body the document does not describe fails the test.
 */
async function callApi(method: string, template: string, call: ApiCall = {}): Promise<ApiAnswer> {
  const route = API_ROUTES.find((candidate) => candidate.path === template && candidate.method === method);
  return callHandler(await HANDLERS[route?.function ?? FALLBACK_FUNCTION](), method, template, call);
}

/**
 * Calls `handler` (for instance an `apiHandler` over a control plane with an injected clock) as
 * the route would be called, with the same check against the OpenAPI document as `callApi`.
 */
async function callHandler(handler: ApiHandler, method: string, template: string, call: ApiCall = {}): Promise<ApiAnswer> {
  const { remainingMs } = call;
  const context =
    remainingMs === undefined ? lambdaContext : ({ ...lambdaContext, getRemainingTimeInMillis: () => remainingMs } as Context);
  const result = await handler(proxyEvent(method, template, call), context);
  const answer = { status: result.statusCode, headers: (result.headers ?? {}) as Record<string, string>, body: JSON.parse(result.body) };
  const contract = openApiContract();
  const mismatch = contract.answerProblem(method, template, answer);
  if (mismatch !== undefined) throw new Error(`OpenAPI contract: ${mismatch}`);
  // A body the API accepted must be one the document allows (the document is never stricter).
  const sent = call.body ?? (call.json === undefined ? undefined : JSON.stringify(call.json));
  if (answer.status < 300 && sent !== undefined && sent.length > 0) {
    const refused = contract.requestBodyProblem(method, template, JSON.parse(sent));
    if (refused !== undefined) throw new Error(`OpenAPI contract: ${refused}`);
  }
  return answer;
}

const adminHeaders = (): Record<string, string> => ({ 'X-B3IQ-Admin-Token': inject('localStack').adminToken });

export type { ApiAnswer, ApiCall, ApiHandler };
export { adminHeaders, callApi, callHandler };
