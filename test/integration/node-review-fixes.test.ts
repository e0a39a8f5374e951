/**
 * The node side of the security review's findings: a 401 that does not tell which node ids are
 * enrolled, a disabled node that can pull nothing, and only the newest lease reporting on a command.
 */

import { describe, expect, it } from 'vitest';
import { claimedJob, queuedJob } from './support/jobs.js';
import { nodeCall, resultFor } from './support/node-calls.js';
import { account, enrollNode, newNode, queueDepth, storedJob } from './support/world.js';

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
