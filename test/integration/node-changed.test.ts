/**
 * A node that changed between a job's acceptance and its claim: the job's transaction does not
 * hold the node's item (every customer of the node would conflict on it), so the node's pull
 * checks the job against the node as it stands and fails the job with `node_changed`, releasing
 * its reservation: the customer pays nothing and the node gets nothing. A price change is no
 * reason: the price was quoted.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { encodeBase64url } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lambdas/adapters/dynamodb/items.js';
import { customerJobRoutes } from '../../lambdas/handlers/customer-jobs.js';
import { apiHandler } from '../../lambdas/http/router.js';
import { adminHeaders, callApi, callHandler } from './support/api.js';
import { queuedJob } from './support/jobs.js';
import { jobRows, planeWith } from './support/lifecycle.js';
import { nodeCall, pull, pullJob } from './support/node-calls.js';
import { tableName } from './support/table.js';
import {
  account,
  newCustomer,
  newNode,
  newTransportKey,
  queueDepth,
  sealedJob,
  signedTransportKey,
  storedJob,
  type TestNode,
  uniqueId,
} from './support/world.js';

const dynamodb = new DynamoDBClient({});

/** Enrolls the node again with `change` applied to what it was enrolled with. */
function reenroll(
  node: TestNode,
  change: { status?: string; modelId?: string; priceWei?: bigint; key?: { key_id: string; publicKey: Uint8Array } },
) {
  const key = change.key ?? { key_id: node.keyId, publicKey: node.publicKey };
  return callApi('PUT', '/v1/admin/nodes/{node_id}', {
    params: { node_id: node.nodeId },
    headers: adminHeaders(),
    json: {
      status: change.status ?? 'active',
      models: [{ model_id: change.modelId ?? node.modelId, price_wei: (change.priceWei ?? node.priceWei).toString() }],
      transport_keys: [signedTransportKey(node, { key_id: key.key_id, public_key_x25519: encodeBase64url(key.publicKey) })],
      identity_public_key_ed25519: encodeBase64url(ed25519.getPublicKey(node.identitySecretKey)),
    },
  });
}

/** Why the job was closed, as stored (not part of any view). */
async function closeReason(customerId: string, jobId: string): Promise<string | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({ TableName: tableName(), Key: keys.job(customerId, jobId), ConsistentRead: true }),
  );
  return Item?.close_reason?.S;
}

describe('a node that changed before the claim', () => {
  // A disabled node pulls nothing at all (node-review-fixes.test.ts); the other changes fail the job at the pull.
  it.each([
    { case: 'no longer offers the model', change: { modelId: 'another-model' } },
    { case: "rotated the job's transport key out", change: { key: { key_id: uniqueId('tk'), ...newTransportKey() } } },
  ])('fails the job with node_changed at the pull and releases it when the node $case', async ({ change }) => {
    // Prepare: a job accepted for 1,000 wei out of 10,000, then the node changes.
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);
    expect((await reenroll(node, change)).status).toBe(200);

    // Act: the node pulls (until its queue is empty: the command may take a moment to arrive).
    const handedOut = [];
    for (let tries = 0; tries < 50 && (await storedJob(customer.customerId, jobId))?.status === 'queued'; tries += 1) {
      handedOut.push(...(await pull(node)));
    }

    // Assess: nothing for the node; the job failed, its reservation released, the ledger shows the release.
    expect(handedOut).toEqual([]);
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'failed', billing_status: 'released', claimed_at: null });
    expect(await closeReason(customer.customerId, jobId)).toBe('node_changed');
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 0n });
    expect(await jobRows(customer.customerId, jobId)).toEqual([
      ['release', 1_000n, 10_000n, 0n],
      ['reserve', 1_000n, 10_000n, 1_000n],
    ]);
    expect(await queueDepth(node.nodeId)).toBe(0);
  });

  it('hands the job out when only the price changed', async () => {
    const { customer, node, jobId } = await queuedJob(1_000n, 10_000n);
    expect((await reenroll(node, { priceWei: 5_000n })).status).toBe(200);

    const pulled = await pullJob(node, jobId);

    expect(pulled.command).toMatchObject({ job_id: jobId, price_wei: '1000' });
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'claimed', billing_status: 'reserved' });
  });
});

describe('the submit cache', () => {
  /** Submit, served by the same code on a control plane (and its submit cache) whose clock reads `ms`. */
  function submitAt(ms: number, customer: { headers: Record<string, string> }, body: unknown) {
    const { 'POST /v1/private-inference/jobs': submit } = customerJobRoutes(planeWith({ now: () => new Date(ms) }));
    return callHandler(apiHandler({ 'POST /v1/private-inference/jobs': submit }), 'POST', '/v1/private-inference/jobs', {
      headers: customer.headers,
      json: body,
    });
  }

  it('refuses a node disabled through the admin API once the 1-second bound has passed; what it accepted before waits, unclaimed', async () => {
    // Prepare: one job accepted at t0 (the customer and the node are read and kept then), then the node is disabled.
    const customer = await newCustomer(10_000n);
    const node = await newNode({ priceWei: 1_000n });
    const t0 = Date.now();
    expect((await submitAt(t0, customer, sealedJob(node))).status).toBe(202);
    expect((await reenroll(node, { status: 'disabled' })).status).toBe(200);

    // Act: 1 ms before the bound, and at it.
    const within = await submitAt(t0 + 999, customer, sealedJob(node, { job_id: uniqueId('job') }));
    const after = await submitAt(t0 + 1000, customer, sealedJob(node, { job_id: uniqueId('job') }));

    // Assess: served from memory within the bound (no read), refused after it; the late job is not handed out
    // (the disabled node pulls nothing) and stays reserved until its claim deadline releases it.
    expect(within.status).toBe(202);
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('node_unavailable');
    const pulled = await nodeCall(node, 'pull', { wait_seconds: 0 });
    expect(pulled.status).toBe(409);
    expect(pulled.body.error.code).toBe('node_unavailable');
    expect(await storedJob(customer.customerId, within.body.job_id)).toMatchObject({ status: 'queued', billing_status: 'reserved' });
  });
});
