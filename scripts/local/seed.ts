/**
 * Demo data for the local stack, put in through the real admin API: an admin token, a customer
 * with a balance that covers many jobs, and an active node serving one model. The demo node's
 * keys are kept in `.b3iq/demo-node-keys.json` (mode 0600) for the node agent.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateToken } from '../../lambdas/domain/customer-token.js';
import { createKeyFile, enrollmentBody, loadKeyFile, type NodeKeys } from '../../packages/node-agent/src/key-file.js';
import { LOCAL_DIR } from './paths.js';

const DEMO_MODEL = 'llama-3.1-8b-instruct';
const DEMO_PRICE_WEI = '1000000000000000'; // 0.001 ETH a job
const DEMO_CREDIT_WEI = '1000000000000000000000'; // covers a million jobs

interface LocalConfig {
  api_url: string;
  aws_endpoint_url: string;
  aws_region: string;
  admin_token: string;
  demo: { customer_id: string; customer_token: string; node_id: string; model_id: string; key_id: string };
}

function writePrivate(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, content, { mode: 0o600 });
}

const DEMO_NODE_ID = 'demo-node';

/** The demo node's key file, as `b3iq-node init` makes it; kept across runs. */
function demoNodeKeyFile(): string {
  return path.join(LOCAL_DIR, 'demo-node-keys.json');
}

async function demoNodeKeys(): Promise<NodeKeys> {
  const file = demoNodeKeyFile();
  return existsSync(file) ? loadKeyFile(file) : createKeyFile(file, { nodeId: DEMO_NODE_ID, keyId: 'demo-key-1' });
}

async function call(apiUrl: string, adminToken: string, method: string, route: string, body: unknown) {
  const response = await fetch(`${apiUrl}${route}`, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-B3IQ-Admin-Token': adminToken },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function expectStatus(result: { status: number; body: Record<string, unknown> }, status: number, what: string) {
  if (result.status !== status) {
    throw new Error(`${what} answered ${result.status}: ${JSON.stringify(result.body)}`);
  }
  return result.body;
}

/** Writes a fresh admin token into the stack's secret (the admin function reads it within five minutes; a new one at once). */
async function setAdminToken(awsEnv: Record<string, string>, secretId: string): Promise<string> {
  const token = generateToken();
  const secrets = new SecretsManagerClient({
    endpoint: awsEnv.AWS_ENDPOINT_URL,
    region: awsEnv.AWS_REGION,
    credentials: { accessKeyId: awsEnv.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: awsEnv.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
  await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: token }));
  return token;
}

/** Sets a fresh admin token, then creates the demo customer, credit and node through the API. */
async function seedDemo(options: { apiUrl: string; awsEnv: Record<string, string>; adminTokenSecretId: string }): Promise<LocalConfig> {
  const { apiUrl, awsEnv } = options;
  const adminToken = await setAdminToken(awsEnv, options.adminTokenSecretId);

  // A stack that outlived an earlier run (LocalStack) already has the demo customer: make another.
  let created = await call(apiUrl, adminToken, 'POST', '/v1/admin/customers', { customer_id: 'demo-customer' });
  if (created.status === 409) {
    created = await call(apiUrl, adminToken, 'POST', '/v1/admin/customers', {
      customer_id: `demo-customer-${randomBytes(4).toString('hex')}`,
    });
  }
  const customer = expectStatus(created, 201, 'creating the demo customer') as { customer_id: string; customer_token: string };
  expectStatus(
    await call(apiUrl, adminToken, 'POST', `/v1/admin/customers/${customer.customer_id}/credits`, {
      credit_id: `demo-credit-${customer.customer_id}`,
      amount_wei: DEMO_CREDIT_WEI,
    }),
    200,
    'crediting the demo customer',
  );
  const node = await demoNodeKeys();
  expectStatus(
    await call(apiUrl, adminToken, 'PUT', `/v1/admin/nodes/${node.nodeId}`, {
      ...enrollmentBody(node),
      models: [{ model_id: DEMO_MODEL, price_wei: DEMO_PRICE_WEI }],
    }),
    200,
    'enrolling the demo node',
  );
  return {
    api_url: apiUrl,
    aws_endpoint_url: awsEnv.AWS_ENDPOINT_URL ?? '',
    aws_region: awsEnv.AWS_REGION ?? 'us-east-1',
    admin_token: adminToken,
    demo: {
      customer_id: customer.customer_id,
      customer_token: customer.customer_token,
      node_id: node.nodeId,
      model_id: DEMO_MODEL,
      key_id: node.transportKeys[0]?.keyId ?? '',
    },
  };
}

export type { LocalConfig };
export { DEMO_MODEL, demoNodeKeys, seedDemo, setAdminToken, writePrivate };
