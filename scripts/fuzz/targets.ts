/**
 * The resources a fuzz run works on, made through the API itself: a customer whose credentials the
 * fuzzer uses (credited, with one completed job and its receipt, answered by the running node), and
 * a second customer with a token, and a node id, for the admin operations to act on.
 */
import { randomBytes } from 'node:crypto';
import { B3iqClient } from '../../packages/sdk/src/client.js';
import { MemoryTrustStore } from '../../packages/sdk/src/trust-store.js';
import type { FuzzTargets } from './run.js';

interface FuzzNode {
  nodeId: string;
  modelId: string;
  identitySecretKey: Uint8Array;
}

async function adminCall(apiUrl: string, adminToken: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${apiUrl}${route}`, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-B3IQ-Admin-Token': adminToken },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}`);
  return response.json();
}

/** Makes the customers, credit and completed job (the node must be polling); answers the targets. */
async function makeFuzzTargets(apiUrl: string, adminToken: string, node: FuzzNode): Promise<FuzzTargets> {
  const admin = (method: string, route: string, body?: unknown) => adminCall(apiUrl, adminToken, method, route, body);
  const suffix = randomBytes(4).toString('hex');
  const customer = (await admin('POST', '/v1/admin/customers', { customer_id: `fuzz-customer-${suffix}` })) as {
    customer_id: string;
    customer_token: string;
  };
  await admin('POST', `/v1/admin/customers/${customer.customer_id}/credits`, {
    credit_id: `fuzz-credit-${suffix}`,
    amount_wei: (10n ** 21n).toString(),
  });
  const target = (await admin('POST', '/v1/admin/customers', { customer_id: `fuzz-target-${suffix}` })) as { customer_id: string };
  const tokens = (await admin('GET', `/v1/admin/customers/${target.customer_id}/tokens`)) as { tokens: { token_id: string }[] };

  const client = new B3iqClient({
    apiUrl,
    customerId: customer.customer_id,
    customerToken: customer.customer_token,
    trustStore: new MemoryTrustStore(),
  });
  const accepted = await client.submitJob({ nodeId: node.nodeId, modelId: node.modelId, prompt: 'fuzz fixture' });
  const job = await client.waitForJob(accepted.job_id, { timeoutMs: 60_000, intervalMs: 200 });
  if (job.status !== 'completed' || !job.receipt_hash) throw new Error(`the fuzz fixture job ended ${job.status}`);
  return {
    apiUrl,
    adminToken,
    customer: { customerId: customer.customer_id, token: customer.customer_token },
    node: { nodeId: node.nodeId, identitySecretKey: node.identitySecretKey },
    jobId: accepted.job_id,
    commandId: accepted.command_id,
    receiptHash: job.receipt_hash,
    adminCustomerId: target.customer_id,
    tokenId: tokens.tokens[0]?.token_id ?? 'tok-none',
    adminNodeId: `fuzz-node-${suffix}`,
  };
}

export type { FuzzNode };
export { makeFuzzTargets };
