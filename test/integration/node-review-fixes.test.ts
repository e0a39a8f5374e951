/**
 * The node side of the security review's findings: a 401 that does not tell which node ids are
 * enrolled, a disabled node that can pull nothing, and only the newest lease reporting on a command.
 */

import { describe, expect, it } from 'vitest';
import { nodeCall } from './support/node-calls.js';
import { newNode } from './support/world.js';

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
