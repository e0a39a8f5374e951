/**
 * Bench fixtures, made through the real admin handler in-process (as the integration tests make
 * theirs, without vitest): customers with a balance, one active node with one transport key and
 * its queue, and job bodies sealed to that node as the SDK seals them.
 *
 * Import this module only after `process.env` holds the deployed stack's Lambda environment and
 * after the bench's counters are installed (run.ts does both, then imports it dynamically).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { encodeBase64url, sealEnvelope, signNodeKeyStatement } from '@b3iq/protocol';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handler as admin } from '../../lambdas/handlers/admin.js';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface BenchCustomer {
  customerId: string;
  headers: Record<string, string>;
}

interface BenchNode {
  nodeId: string;
  keyId: string;
  modelId: string;
  publicKey: Uint8Array;
}

const MODEL_ID = 'llama-3.1-8b-instruct';
const PRICE_WEI = 1_000_000_000_000n; // 10^12 wei a job
const CREDIT_WEI = 10n ** 27n; // covers 10^15 jobs: no run can exhaust it

const uniqueId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

function lambdaContext(): Context {
  return {
    awsRequestId: randomUUID(),
    functionName: 'bench',
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;
}

/** An API Gateway REST proxy event, as the deployed API hands it to the function. */
function proxyEvent(
  method: string,
  template: string,
  options: { params?: Record<string, string>; headers?: Record<string, string>; body?: string },
): APIGatewayProxyEvent {
  const params = options.params ?? {};
  return {
    httpMethod: method,
    resource: template,
    path: template.replace(/\{(\w+)\+?\}/g, (_, name: string) => params[name] ?? ''),
    pathParameters: Object.keys(params).length > 0 ? params : null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    headers: { 'Content-Type': 'application/json', ...options.headers },
    multiValueHeaders: {},
    body: options.body ?? null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { requestId: randomUUID() } as APIGatewayProxyEvent['requestContext'],
  };
}

async function callHandler(
  handler: ProxyHandler,
  method: string,
  template: string,
  options: { params?: Record<string, string>; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const result = await handler(proxyEvent(method, template, options), lambdaContext());
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> };
}

function expectStatus(answer: { status: number; body: unknown }, status: number, what: string): Record<string, unknown> {
  if (answer.status !== status) throw new Error(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body as Record<string, unknown>;
}

async function adminCall(adminToken: string, method: string, template: string, params: Record<string, string>, json: unknown) {
  return callHandler(admin as ProxyHandler, method, template, {
    params,
    headers: { 'X-B3IQ-Admin-Token': adminToken },
    body: JSON.stringify(json),
  });
}

async function newCustomer(adminToken: string): Promise<BenchCustomer> {
  const created = expectStatus(
    await adminCall(adminToken, 'POST', '/v1/admin/customers', {}, { customer_id: uniqueId('cus-bench') }),
    201,
    'creating a bench customer',
  );
  const customerId = created.customer_id as string;
  expectStatus(
    await adminCall(
      adminToken,
      'POST',
      '/v1/admin/customers/{customer_id}/credits',
      { customer_id: customerId },
      {
        credit_id: uniqueId('credit'),
        amount_wei: CREDIT_WEI.toString(),
      },
    ),
    200,
    'crediting a bench customer',
  );
  return {
    customerId,
    headers: { 'X-B3IQ-Customer-ID': customerId, 'X-B3IQ-Customer-Token': created.customer_token as string },
  };
}

async function newNode(adminToken: string): Promise<BenchNode> {
  const secretKey = x25519.utils.randomSecretKey();
  const node: BenchNode = {
    nodeId: uniqueId('node-bench'),
    keyId: uniqueId('tk'),
    modelId: MODEL_ID,
    publicKey: x25519.getPublicKey(secretKey),
  };
  // Enrolled as a real node is: its identity key signs its statement about the transport key.
  const identitySecretKey = ed25519.utils.randomSecretKey();
  const publicKeyX25519 = encodeBase64url(node.publicKey);
  const statement = { node_id: node.nodeId, key_id: node.keyId, public_key_x25519: publicKeyX25519, valid_until: null };
  expectStatus(
    await adminCall(
      adminToken,
      'PUT',
      '/v1/admin/nodes/{node_id}',
      { node_id: node.nodeId },
      {
        status: 'active',
        models: [{ model_id: node.modelId, price_wei: PRICE_WEI.toString() }],
        transport_keys: [
          {
            key_id: node.keyId,
            public_key_x25519: publicKeyX25519,
            node_signature_ed25519: signNodeKeyStatement(identitySecretKey, statement),
          },
        ],
        identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(identitySecretKey)),
      },
    ),
    200,
    'enrolling the bench node',
  );
  return node;
}

/** `count` distinct job bodies sealed to the node (server-made job ids), each a ~1 KiB chat prompt. */
function sealedBodies(node: BenchNode, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const prompt = `bench prompt ${index} ${randomBytes(8).toString('hex')} `.padEnd(960, 'lorem ipsum ');
    const plaintext = new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: prompt }] }));
    const { envelope } = sealEnvelope(
      'request',
      node.publicKey,
      { key_id: node.keyId, node_id: node.nodeId, model_id: node.modelId },
      plaintext,
    );
    return JSON.stringify({ node_id: node.nodeId, model_id: node.modelId, encrypted_request: envelope });
  });
}

export type { BenchCustomer, BenchNode, ProxyHandler };
export { callHandler, lambdaContext, newCustomer, newNode, proxyEvent, sealedBodies };
