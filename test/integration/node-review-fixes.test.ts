/**
 * The node side of the security review's findings: a 401 that does not tell which node ids are
 * enrolled, a disabled node that can pull nothing, and only the newest lease reporting on a command.
 */

import { encodeBase64url } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';
import { adminHeaders, callApi } from './support/api.js';
import { claimedJob, queuedJob } from './support/jobs.js';
import { nodeCall, type Pulled, resultFor } from './support/node-calls.js';
import { account, enrollNode, ledger, newNode, queueDepth, signedTransportKey, storedJob, type TestNode } from './support/world.js';

describe('the node 401', () => {
  it('is byte for byte the same for an unknown node id and for a known node with a bad signature', async () => {
    const node = await newNode();

    const [unknown, badSignature] = await Promise.all([
      nodeCall(node, 'pull', { wait_seconds: 0 }, { headers: (signed) => ({ ...signed, 'X-B3IQ-Node-ID': 'ghost-never-enrolled' }) }),
      nodeCall(node, 'pull', { wait_seconds: 0 }, { headers: (signed) => ({ ...signed, 'X-B3IQ-Nonce': `${signed['X-B3IQ-Nonce']}x` }) }),
    ]);

    expect(unknown.status).toBe(401);
    expect(badSignature.status).toBe(401);
    expect(unknown.body.error.code).toBe('invalid_signature');
    expect(JSON.stringify(unknown.body)).toBe(JSON.stringify(badSignature.body));
  });
});

describe('a disabled node', () => {
  it('pulls nothing: 409 node_unavailable, and its queue keeps the command', async () => {
    const { node } = await queuedJob();
    expect((await enrollNode(node, 'disabled')).status).toBe(200);

    const answer = await nodeCall(node, 'pull', { wait_seconds: 0 });

    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('node_unavailable');
    expect(await queueDepth(node.nodeId)).toBe(1);
  });

  it('may still settle a job it had claimed before it was disabled', async () => {
    const { customer, node, jobId, commandId, pulled } = await claimedJob(1_000n, 10_000n);
    expect((await enrollNode(node, 'disabled')).status).toBe(200);

    const settled = await nodeCall(node, 'result', resultFor(node, pulled), { commandId });

    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe('completed');
    expect((await storedJob(customer.customerId, jobId))?.status).toBe('completed');
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 9_000n, reserved_wei: 0n });
  });
});

/** Pulls until the command of `jobId` is handed out, under a lease of `leaseSeconds`. */
async function pullUnder(node: TestNode, jobId: string, leaseSeconds: number): Promise<Pulled> {
  for (let tries = 0; tries < 20; tries += 1) {
    const answer = await nodeCall(node, 'pull', { max_commands: 10, wait_seconds: 1, lease_seconds: leaseSeconds });
    expect(answer.status).toBe(200);
    const found = (answer.body.commands as Pulled[]).find((pulled) => pulled.command.job_id === jobId);
    if (found !== undefined) return found;
  }
  throw new Error(`no command for job ${jobId}`);
}

describe('only the newest lease of a command reports on it', () => {
  it('answers 409 lease_expired to a superseded lease and changes nothing; the live lease settles', async () => {
    // Prepare: claimed under a 10 s lease, which lapses (given back: visibility 0), then handed out again.
    const { customer, node, jobId, commandId } = await queuedJob(1_000n, 10_000n);
    const first = await pullUnder(node, jobId, 10);
    const givenBack = await nodeCall(node, 'lease', { lease_id: first.lease_id, lease_seconds: 0 }, { commandId });
    expect(givenBack.status).toBe(200);
    const second = await pullUnder(node, jobId, 60);
    expect(second.delivery).toBe(2);
    const rowsBefore = await ledger(customer.customerId);

    // Act: the silent worker reports with its superseded lease, a failure and a result.
    const staleFailure = await nodeCall(node, 'failure', { lease_id: first.lease_id, code: 'inference_failed' }, { commandId });
    const staleResult = await nodeCall(node, 'result', resultFor(node, first), { commandId });

    // Assess: refused; the job still claimed and reserved, the ledger and the live lease as they were.
    for (const answer of [staleFailure, staleResult]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('lease_expired');
    }
    expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'claimed', billing_status: 'reserved' });
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 10_000n, reserved_wei: 1_000n });
    expect(await ledger(customer.customerId)).toEqual(rowsBefore);
    const live = await nodeCall(node, 'lease', { lease_id: second.lease_id, lease_seconds: 60 }, { commandId });
    expect(live.status).toBe(200);

    // The live lease's result settles.
    const settled = await nodeCall(node, 'result', resultFor(node, second), { commandId });
    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe('completed');
    expect(await account(customer.customerId)).toMatchObject({ balance_wei: 9_000n, reserved_wei: 0n });
    expect(await queueDepth(node.nodeId)).toBe(0);
  });

  it.each(['result', 'failure'] as const)(
    'answers 400 invalid_request to a %s without lease_id, and the job stays claimed',
    async (route) => {
      const { customer, node, jobId, commandId, pulled } = await claimedJob(1_000n, 10_000n);
      const { lease_id: _omitted, ...withoutLease } =
        route === 'result' ? resultFor(node, pulled) : { lease_id: '', code: 'inference_failed' };

      const answer = await nodeCall(node, route, withoutLease, { commandId });

      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
      expect(await storedJob(customer.customerId, jobId)).toMatchObject({ status: 'claimed', billing_status: 'reserved' });
    },
  );
});

describe('an admin PUT of a node', () => {
  /**
   * The node enrolled again as it is, with `identity` as its identity field (omitted when `undefined`:
   * the kept identity key signs the key; `null` revokes it, and a node without one signs nothing).
   */
  const reenroll = (node: TestNode, identity?: null) => {
    const key = { key_id: node.keyId, public_key_x25519: encodeBase64url(node.publicKey) };
    return callApi('PUT', '/v1/admin/nodes/{node_id}', {
      params: { node_id: node.nodeId },
      headers: adminHeaders(),
      json: {
        status: 'active',
        models: [{ model_id: node.modelId, price_wei: node.priceWei.toString() }],
        transport_keys: [identity === null ? key : signedTransportKey(node, key)],
        ...(identity === undefined ? {} : { identity_public_key_ed25519: identity }),
      },
    });
  };

  it('keeps the current identity key when the field is omitted: the node still signs its calls', async () => {
    const node = await newNode();

    expect((await reenroll(node)).status).toBe(200);
    const pulled = await nodeCall(node, 'pull', { wait_seconds: 0 });

    expect(pulled.status).toBe(200);
  });

  it('revokes the identity key only when told to, with null: the node can no longer call', async () => {
    const node = await newNode();

    expect((await reenroll(node, null)).status).toBe(200);
    const pulled = await nodeCall(node, 'pull', { wait_seconds: 0 });

    expect(pulled.status).toBe(401);
  });
});
