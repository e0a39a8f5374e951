/**
 * A node run by the reference agent for a test file: a fresh key file, enrolled through the admin
 * API with the agent's own signed enrollment body and one model, polling the deployed API from
 * the file's `beforeAll` until its `afterAll`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { NodeAgent } from '../../../packages/node-agent/src/agent.js';
import { echoBackend } from '../../../packages/node-agent/src/backends.js';
import { createKeyFile, enrollmentBody, type NodeKeys } from '../../../packages/node-agent/src/key-file.js';
import { adminHeaders, callApi } from './api.js';
import { uniqueId } from './world.js';

/** Registers the hooks; `keys()` is the running node's keys once `beforeAll` has run. */
function useEchoNode(model: { modelId: string; priceWei: bigint }, options: { concurrency?: number } = {}): { keys: () => NodeKeys } {
  let keys: NodeKeys | undefined;
  let agent: NodeAgent | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    keys = await createKeyFile(path.join(mkdtempSync(path.join(tmpdir(), 'b3iq-node-')), 'keys.json'), { nodeId: uniqueId('node') });
    const enrolled = await callApi('PUT', '/v1/admin/nodes/{node_id}', {
      params: { node_id: keys.nodeId },
      headers: adminHeaders(),
      json: { ...enrollmentBody(keys), models: [{ model_id: model.modelId, price_wei: model.priceWei.toString() }] },
    });
    expect(enrolled.status).toBe(200);
    const { apiUrl } = inject('localStack');
    agent = new NodeAgent({ apiUrl, keys, backend: echoBackend, concurrency: options.concurrency ?? 1, waitSeconds: 2, log: () => {} });
    running = agent.run();
  });
  afterAll(async () => {
    await agent?.stop();
    await running;
  });
  return {
    keys: () => {
      if (keys === undefined) throw new Error('the node starts in beforeAll');
      return keys;
    },
  };
}

export { useEchoNode };
