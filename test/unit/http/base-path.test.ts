/**
 * Node signatures behind an API Gateway custom domain whose base path maps to the stage
 * (`https://api.example.com/b3iq` → stage `prod`): API Gateway puts the base path into `event.path`,
 * while the node signs the path relative to the API root. The server must verify over that same path.
 */

import { encodeBase64url, nodeSignatureProblem, signNodeRequest } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { signedNodeRequest } from '../../../lambdas/handlers/http-inputs.js';
import { pathFromApiRoot, toHttpRequest } from '../../../lambdas/http/request.js';

const SECRET_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
const PUBLIC_KEY = encodeBase64url(ed25519.getPublicKey(SECRET_KEY));
const NOW_MS = 1_800_000_000_000;
const ROUTE = '/v1/nodes/{node_id}/commands/{command_id}/lease';
const API_PATH = '/v1/nodes/node-a/commands/cmd-1/lease';

/** A REST API proxy event as API Gateway sends it for a call through `https://api.example.com{basePath}`. */
function proxyEvent(basePath: string, headers: Record<string, string>, body: string): APIGatewayProxyEvent {
  return {
    resource: ROUTE,
    path: `${basePath}${API_PATH}`,
    httpMethod: 'POST',
    headers: { Host: 'api.example.com', 'Content-Type': 'application/json', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { node_id: 'node-a', command_id: 'cmd-1' },
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      resourceId: 'abc123',
      resourcePath: ROUTE,
      httpMethod: 'POST',
      path: `${basePath}${API_PATH}`,
      stage: 'prod',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      apiId: 'a1b2c3d4e5',
      accountId: '111111111111',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: NOW_MS,
      protocol: 'HTTP/1.1',
      authorizer: null,
      identity: { sourceIp: '203.0.113.9', userAgent: 'b3iq-node' } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}

describe('a node request behind a custom domain with a base path', () => {
  const body = JSON.stringify({ lease_id: 'lease-1', lease_seconds: 60 });
  const headers = signNodeRequest(SECRET_KEY, 'node-a', { method: 'POST', path: API_PATH, body }, NOW_MS);

  it.each([
    { case: 'stage URL (no base path)', basePath: '' },
    { case: 'one-segment base path', basePath: '/b3iq' },
    { case: 'two-segment base path', basePath: '/inference/b3iq' },
  ])('verifies the signature over the path relative to the API root ($case)', ({ basePath }) => {
    const signed = signedNodeRequest(toHttpRequest(proxyEvent(basePath, headers, body)));
    expect(signed.path).toBe(API_PATH);
    const parts = { method: signed.method, path: signed.path, timestamp: signed.timestamp, nonce: signed.nonce, body: signed.body };
    expect(nodeSignatureProblem(PUBLIC_KEY, parts, signed.signature, NOW_MS)).toBeUndefined();
  });

  it('still refuses a signature made over the base path too', () => {
    const wrong = signNodeRequest(SECRET_KEY, 'node-a', { method: 'POST', path: `/b3iq${API_PATH}`, body }, NOW_MS);
    const signed = signedNodeRequest(toHttpRequest(proxyEvent('/b3iq', wrong, body)));
    const parts = { method: signed.method, path: signed.path, timestamp: signed.timestamp, nonce: signed.nonce, body: signed.body };
    expect(nodeSignatureProblem(PUBLIC_KEY, parts, signed.signature, NOW_MS)).toBe('the signature does not verify');
  });
});

describe('pathFromApiRoot', () => {
  it.each([
    { case: 'no prefix', path: '/v1/nodes/a/commands/pull', route: '/v1/nodes/{node_id}/commands/pull', want: '/v1/nodes/a/commands/pull' },
    {
      case: 'base path',
      path: '/b3iq/v1/nodes/a/commands/pull',
      route: '/v1/nodes/{node_id}/commands/pull',
      want: '/v1/nodes/a/commands/pull',
    },
    {
      case: 'trailing slash kept',
      path: '/b3iq/v1/nodes/a/commands/pull/',
      route: '/v1/nodes/{node_id}/commands/pull',
      want: '/v1/nodes/a/commands/pull/',
    },
    {
      case: 'encoding kept as given',
      path: '/b3iq/v1/nodes/a%2Db/commands/pull',
      route: '/v1/nodes/{node_id}/commands/pull',
      want: '/v1/nodes/a%2Db/commands/pull',
    },
    { case: 'greedy route left whole', path: '/b3iq/v1/nope/x', route: '/{proxy+}', want: '/b3iq/v1/nope/x' },
    {
      case: 'literal mismatch left whole',
      path: '/b3iq/v2/nodes/a/commands/pull',
      route: '/v1/nodes/{node_id}/commands/pull',
      want: '/b3iq/v2/nodes/a/commands/pull',
    },
  ])('$case', ({ path, route, want }) => {
    expect(pathFromApiRoot(path, route)).toBe(want);
  });
});
